"""The names of what use cases count through the Metrics port (chalicelib/ports.py), and a
mailer that counts what it sends; the composition root decides where counts go (decision 0045)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.domain.errors import DeliveryFailedError

if TYPE_CHECKING:
    from chalicelib.domain.mail import OutgoingMail
    from chalicelib.ports import Mailer, Metrics

INVOICES_ISSUED = "InvoicesIssued"
PAYMENTS_RECORDED = "PaymentsRecorded"
CREDIT_NOTES_ISSUED = "CreditNotesIssued"
EMAILS_SENT = "EmailsSent"
EMAILS_REFUSED = "EmailsRefused"
JOB_ITEMS_DONE = "JobItemsDone"
JOB_ITEMS_FAILED = "JobItemsFailed"
SERVER_ERRORS = "ServerErrors"


class CountedMailer:
    """A Mailer that counts the emails sent and those the mail service refused."""

    def __init__(self, mailer: Mailer, metrics: Metrics) -> None:
        self._mailer = mailer
        self._metrics = metrics

    def connect(self) -> None:
        """Connects the wrapped mailer now where it can (SesMailer, before a SnapStart snapshot:
        runtime/snapstart.py reaches it through `deps.mailer`)."""
        connect = getattr(self._mailer, "connect", None)
        if callable(connect):
            connect()

    def send(self, mail: OutgoingMail) -> str:
        try:
            message_id = self._mailer.send(mail)
        except DeliveryFailedError:
            self._metrics.count(EMAILS_REFUSED)
            raise
        self._metrics.count(EMAILS_SENT)
        return message_id
