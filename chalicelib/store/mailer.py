"""Sends mail through Amazon SES (SendRawEmail, so attachments travel too), turning SES's
refusals into errors that are safe to show the caller."""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.documents.mime import mime_message
from chalicelib.domain.errors import DeliveryFailedError, TemporarilyUnavailableError
from chalicelib.domain.mail import OutgoingMail
from chalicelib.ports import Clock, SystemClock

if TYPE_CHECKING:
    from mypy_boto3_ses import SESClient
    from mypy_boto3_ses.type_defs import SendRawEmailResponseTypeDef

_CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 4},
    connect_timeout=2,
    read_timeout=20,  # a 10 MB message takes a while to upload
)
# Worth retrying later: SES is throttling (sending rate or daily quota) or failing inside.
_TEMPORARY = {
    "Throttling",
    "ThrottlingException",
    "TooManyRequestsException",
    "ServiceUnavailable",
    "InternalFailure",
}
# What the caller can do about SES's most common refusals; the AWS message itself is never
# shown, as it names regions and identities.
_REFUSALS = {
    "MessageRejected": "the sender address may not be verified, or a recipient is refused",
    "MailFromDomainNotVerified": "the sender's MAIL FROM domain is not verified",
    "AccountSendingPausedException": "sending is paused for this account",
    "ConfigurationSetSendingPausedException": "sending is paused for this configuration set",
}


class SesMailer:
    def __init__(self, clock: Clock | None = None, configuration_set: str | None = None) -> None:
        self._clock = clock or SystemClock()
        # Named on every message, so SES reports its bounces and complaints (decision 0045).
        self._configuration_set = configuration_set

    @functools.cached_property
    def _client(self) -> SESClient:
        # Made on first use, so requests that never send mail never pay for the client.
        return boto3.session.Session().client("ses", config=_CLIENT_CONFIG)

    def connect(self) -> None:
        """Build the client now: before a SnapStart snapshot (runtime/snapstart.py)."""
        _ = self._client

    def send(self, mail: OutgoingMail) -> str:
        """Sends one message; returns SES's MessageId.

        Raises DeliveryFailedError when the message or SES refuses it (nothing was sent), and
        TemporarilyUnavailableError when SES throttles or does not answer."""
        raw = mime_message(mail, sent_at=self._clock.now())
        try:
            # No Source or Destinations: SES reads them from the From, To and Cc headers.
            response = self._send_raw(raw)
        except ClientError as exc:
            raise _refusal(exc) from exc
        except BotoCoreError as exc:
            raise TemporarilyUnavailableError(
                "The mail service did not answer; retry shortly"
            ) from exc
        return response["MessageId"]

    def _send_raw(self, raw: bytes) -> SendRawEmailResponseTypeDef:
        if self._configuration_set is None:
            return self._client.send_raw_email(RawMessage={"Data": raw})
        return self._client.send_raw_email(
            RawMessage={"Data": raw}, ConfigurationSetName=self._configuration_set
        )


def _refusal(exc: ClientError) -> DeliveryFailedError | TemporarilyUnavailableError:
    code = _safe_code(exc)
    if code in _TEMPORARY:
        return TemporarilyUnavailableError("The mail service is busy; retry shortly")
    reason = _REFUSALS.get(code)
    detail = f" ({code}): {reason}" if reason else f" ({code})"
    return DeliveryFailedError(f"The mail service refused the message{detail}")


def _safe_code(exc: ClientError) -> str:
    """The AWS error code, reduced to what an error code may hold."""
    code = str(exc.response.get("Error", {}).get("Code", ""))
    return re.sub(r"[^A-Za-z0-9.]", "", code)[:64] or "unknown error"
