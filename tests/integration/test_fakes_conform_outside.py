"""The fakes of the services outside the table (the documents bucket, the mail service, the jobs'
queue), of the once-only guard, of where signing keys come from and of a batch's chunk creator,
against their adapters on moto (PyJWKClient against a JWKS served here), through the same
assertions (see test_fakes_conform.py)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib.domain.due import Job
from chalicelib.domain.errors import (
    DeliveryFailedError,
    DomainError,
    IdempotencyKeyReusedError,
    InvalidInputError,
    RequestInProgressError,
)
from chalicelib.domain.mail import MailContent, OutgoingMail
from chalicelib.domain.values import Actor
from chalicelib.domain.work import Chunk, WorkItem
from chalicelib.ports import (
    Clock,
    DocumentStore,
    InvoicePorts,
    KeptExport,
    Mailer,
    OnceGuard,
    SystemClock,
)
from chalicelib.services.authentication import JwtRules, JwtVerifier, SigningKeys
from chalicelib.services.batches import BatchPorts, ChunkCreator, create_native_chunk
from chalicelib.store.batches import DynamoBatchRepository
from chalicelib.store.clients import DynamoClientRepository
from chalicelib.store.documents import S3Documents
from chalicelib.store.idempotency import DynamoIdempotencyStore
from chalicelib.store.invoices import DynamoInvoiceRepository
from chalicelib.store.mailer import SesMailer
from chalicelib.store.queue import SqsChunkQueue
from chalicelib.store.settings import DynamoTenantSettingsRepository
from chalicelib.time_limits import TimeLeft
from invoicing_cli.local import BUCKET_NAME, MAIL_FROM, REGION, TABLE_NAME
from tests.fakes import (
    FixedClock,
    InMemoryBatchRepository,
    InMemoryClientRepository,
    InMemoryDocumentStore,
    InMemoryInvoiceRepository,
    InMemoryOnceGuard,
    InMemoryQueue,
    InMemoryTenantSettings,
    RecordingChunkCreator,
    RecordingMailer,
    StaticSigningKeys,
)

NOW = datetime(2026, 11, 21, 9, 30, 15, 123456, tzinfo=UTC)
BACKENDS = ["memory", "moto"]


def on_moto(request: pytest.FixtureRequest) -> bool:
    if request.param == "moto":
        request.getfixturevalue("aws")
        return True
    return False


# The documents bucket


@dataclass(frozen=True)
class Bucket:
    """The store, and what a browser or the bucket's lifecycle rule sees of it."""

    store: DocumentStore
    fetch: Callable[[str], bytes | None]  # following a link
    post: Callable[[dict[str, Any], bytes], None]  # a browser's POST of an upload form
    short_lived: Callable[[str], bool]  # whether the object expires a day later


@pytest.fixture(params=BACKENDS)
def bucket(request: pytest.FixtureRequest) -> Bucket:
    if not on_moto(request):
        memory = InMemoryDocumentStore()

        def posted(form: dict[str, Any], data: bytes) -> None:
            assert memory.post(form, data)

        return Bucket(memory, memory.fetch, posted, lambda key: memory.objects[key].short_lived)
    s3 = boto3.client("s3")

    def fetch(url: str) -> bytes | None:
        reply = requests.get(url, timeout=10)
        return reply.content if reply.status_code == 200 else None

    def post(form: dict[str, Any], data: bytes) -> None:
        reply = requests.post(form["url"], data=form["fields"], files={"file": data}, timeout=10)
        assert reply.status_code == 204, reply.text

    def short_lived(key: str) -> bool:
        tags = s3.get_object_tagging(Bucket=BUCKET_NAME, Key=key)["TagSet"]
        return {"Key": "retention", "Value": "short"} in tags

    return Bucket(S3Documents(BUCKET_NAME), fetch, post, short_lived)


def test_what_is_put_is_got_and_served_by_its_link_until_deleted(bucket: Bucket) -> None:
    key = "acme/invoices/inv-1/attachments/Zoë Müller.pdf"
    bucket.store.put(key, b"%PDF-1.7 bytes", media_type="application/pdf", filename="Zoë.pdf")

    assert bucket.store.get(key) == b"%PDF-1.7 bytes"
    assert bucket.fetch(bucket.store.link(key, seconds=900)) == b"%PDF-1.7 bytes"
    assert not bucket.short_lived(key)

    bucket.store.delete(key, "acme/never-there")
    assert bucket.store.get(key) is None
    assert bucket.fetch(bucket.store.link(key, seconds=900)) is None


def test_nothing_under_a_key_reads_as_none_and_deleting_nothing_is_fine(bucket: Bucket) -> None:
    assert bucket.store.get("acme/missing") is None
    bucket.store.delete()


def test_an_export_is_kept_whole_under_its_tenant_for_a_day(bucket: Bucket) -> None:
    export = KeptExport("0198a2b3-0000-7000-8000-000000000000", "text/csv", "csv")

    key = bucket.store.keep_export(
        "acme", export, iter([b"id,total\n", b"", b"1,10.00\n"]), filename="invoices.csv"
    )

    assert key.startswith("acme/") and key.endswith(".csv")
    assert bucket.store.get(key) == b"id,total\n1,10.00\n"
    assert bucket.short_lived(key)


def test_an_empty_export_is_still_kept(bucket: Bucket) -> None:
    export = KeptExport("0198a2b3-0000-7000-8000-000000000001", "application/json", "json")

    key = bucket.store.keep_export("acme", export, iter([]), filename="empty.json")

    assert bucket.store.get(key) == b""


def test_an_upload_form_puts_what_a_browser_posts_under_its_key(bucket: Bucket) -> None:
    key = "acme/invoices/inv-1/uploads/blob-1"
    form = bucket.store.upload_form(key, media_type="image/png", max_bytes=1024, seconds=900)

    assert form["fields"]["key"] == key
    assert form["fields"]["Content-Type"] == "image/png"
    bucket.post(form, b"\x89PNG uploaded")
    assert bucket.store.get(key) == b"\x89PNG uploaded"


# The mail service


def mail(
    sender: str = f"Acme GmbH <{MAIL_FROM}>", to: tuple[str, ...] = ("ap@client.example",)
) -> OutgoingMail:
    return OutgoingMail(
        sender=sender,
        to=to,
        reply_to="billing@acme.example",
        content=MailContent(subject="Invoice INV-1", text="Attached.", html="<p>Attached.</p>"),
        attachments=(),
    )


@dataclass(frozen=True)
class Post:
    mailer: Mailer
    delivered: Callable[[], int]


@pytest.fixture(params=BACKENDS)
def post(request: pytest.FixtureRequest) -> Post:
    if on_moto(request):
        backend = ses_backends[DEFAULT_ACCOUNT_ID][REGION]
        return Post(SesMailer(FixedClock(NOW)), lambda: len(backend.sent_messages))
    fake = RecordingMailer(FixedClock(NOW), verified=[MAIL_FROM])
    return Post(fake, lambda: len(fake.sent))


def test_a_message_from_the_verified_sender_is_sent_once_with_an_id(post: Post) -> None:
    first = post.mailer.send(mail())
    second = post.mailer.send(mail())

    assert first and second and first != second
    assert post.delivered() == 2


def test_a_message_from_an_unverified_sender_is_refused_and_not_sent(post: Post) -> None:
    with pytest.raises(DeliveryFailedError) as refused:
        post.mailer.send(mail(sender="Mallory <billing@elsewhere.example>"))

    assert "(MessageRejected)" in str(refused.value)
    assert post.delivered() == 0


def test_a_message_to_nobody_is_refused_and_not_sent(post: Post) -> None:
    with pytest.raises(DeliveryFailedError):
        post.mailer.send(mail(to=()))
    assert post.delivered() == 0


# The jobs' queue


@dataclass(frozen=True)
class Queue:
    chunks: SqsChunkQueue | InMemoryQueue

    def drained(self) -> list[Chunk]:
        """Everything receivable now, each deleted once received."""
        taken: list[Chunk] = []
        while received := self.chunks.receive():
            for chunk, handle in received:
                taken.append(chunk)
                self.chunks.delete(handle)
        return taken


@pytest.fixture(params=BACKENDS)
def queue(request: pytest.FixtureRequest) -> Queue:
    if on_moto(request):
        return Queue(SqsChunkQueue(os.environ["JOBS_QUEUE_URL"]))
    return Queue(InMemoryQueue())


def chunk(n: int, job: Job = Job.OVERDUE) -> Chunk:
    return Chunk(job, NOW, (WorkItem("acme", f"invoice-{n}"), WorkItem("globex", f"other-{n}")))


def by_items(chunks: list[Chunk]) -> list[Chunk]:
    return sorted(chunks, key=lambda c: c.items[0].invoice_id)


def test_every_chunk_sent_arrives_as_sent_its_time_to_the_millisecond(queue: Queue) -> None:
    sent = [chunk(n) for n in range(23)]

    assert queue.chunks.send(iter(sent)) == 23

    millis = NOW.replace(microsecond=123000)
    assert by_items(queue.drained()) == by_items([
        Chunk(c.job, millis, c.items) for c in sent
    ])  # fmt: skip


def test_a_delayed_chunk_is_not_received_at_once(queue: Queue) -> None:
    assert queue.chunks.send([chunk(1)], delay_seconds=60) == 1

    assert queue.drained() == []


def test_a_chunk_received_is_not_received_again_while_it_is_worked_on(queue: Queue) -> None:
    queue.chunks.send([chunk(1)])

    (first,) = queue.chunks.receive()

    assert first[0].items == chunk(1).items
    assert queue.chunks.receive() == []


def test_a_batch_the_api_accepted_is_queued_for_the_worker(queue: Queue) -> None:
    queue.chunks.send_batch("acme", "batch-1", NOW)

    (taken,) = queue.drained()
    assert (taken.job, taken.items) == (Job.BATCH, (WorkItem("acme", "batch-1"),))


# The once-only guard


@pytest.fixture(params=BACKENDS)
def once(request: pytest.FixtureRequest) -> OnceGuard:
    if on_moto(request):
        return DynamoIdempotencyStore(boto3.client("dynamodb"), TABLE_NAME)
    return InMemoryOnceGuard()


def run(
    once: OnceGuard, tenant_id: str, key: str, fingerprint: str, work: Callable[[], dict[str, Any]]
) -> tuple[dict[str, Any], bool]:
    """As the jobs and the API call it: with a Lambda context, or the time a function has."""
    return once.run_once(tenant_id, key, fingerprint, work, TimeLeft(60))


def test_work_runs_once_and_a_second_call_replays_its_result(once: OnceGuard) -> None:
    runs: list[int] = []

    def work() -> dict[str, Any]:
        runs.append(1)
        return {"invoiceId": "inv-1", "sent": True, "count": 2}

    first = run(once, "acme", "key-1", "fp", work)
    second = run(once, "acme", "key-1", "fp", work)

    assert first == ({"invoiceId": "inv-1", "sent": True, "count": 2}, False)
    assert second == ({"invoiceId": "inv-1", "sent": True, "count": 2}, True)
    assert len(runs) == 1


def test_each_tenant_has_its_own_keys(once: OnceGuard) -> None:
    run(once, "acme", "key-1", "fp", lambda: {"tenant": "acme"})

    assert run(once, "globex", "key-1", "fp", lambda: {"tenant": "globex"}) == (
        {"tenant": "globex"},
        False,
    )


def test_a_key_sent_with_another_request_is_refused(once: OnceGuard) -> None:
    run(once, "acme", "key-1", "fingerprint-1", lambda: {"n": 1})

    with pytest.raises(IdempotencyKeyReusedError):
        run(once, "acme", "key-1", "fingerprint-2", lambda: {"n": 2})


def test_work_that_fails_keeps_nothing_and_runs_again(once: OnceGuard) -> None:
    def failing() -> dict[str, Any]:
        raise DeliveryFailedError("the mail service refused")

    with pytest.raises(DeliveryFailedError):
        run(once, "acme", "key-1", "fp", failing)

    assert run(once, "acme", "key-1", "fp", lambda: {"n": 2}) == ({"n": 2}, False)


def test_a_call_while_the_first_still_runs_is_refused(once: OnceGuard) -> None:
    def work() -> dict[str, Any]:
        with pytest.raises(RequestInProgressError):
            run(once, "acme", "key-1", "fp", lambda: {"n": 2})
        return {"n": 1}

    assert run(once, "acme", "key-1", "fp", work) == ({"n": 1}, False)


# Where RS256 signing keys come from

KID = "key-2026"


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def jwks_url(rsa_key: rsa.RSAPrivateKey) -> Iterator[str]:
    """The keys' JWKS document served over HTTP on this machine, as a JWKS URL serves it."""
    document = json.dumps(StaticSigningKeys({KID: rsa_key.public_key()}).jwks).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(params=["memory", "pyjwkclient"])
def signing_keys(request: pytest.FixtureRequest, rsa_key: rsa.RSAPrivateKey) -> SigningKeys:
    if request.param == "pyjwkclient":
        return jwt.PyJWKClient(request.getfixturevalue("jwks_url"))
    return StaticSigningKeys({KID: rsa_key.public_key()})


def token(key: rsa.RSAPrivateKey, kid: str = KID) -> str:
    claims = {"sub": "user-1", "tenant_id": "acme", "exp": datetime.now(UTC) + timedelta(hours=1)}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def test_the_key_a_token_names_verifies_it(
    signing_keys: SigningKeys, rsa_key: rsa.RSAPrivateKey
) -> None:
    found = signing_keys.get_signing_key_from_jwt(token(rsa_key))

    claims = jwt.decode(token(rsa_key), found.key, algorithms=["RS256"])
    assert claims["tenant_id"] == "acme"
    verifier = JwtVerifier(JwtRules(), signing_keys=signing_keys)
    assert verifier.verify(token(rsa_key)) == Actor(tenant_id="acme", user_id="user-1")


def test_a_token_naming_an_unknown_key_is_refused(
    signing_keys: SigningKeys, rsa_key: rsa.RSAPrivateKey
) -> None:
    with pytest.raises(jwt.PyJWKClientError, match="Unable to find a signing key"):
        signing_keys.get_signing_key_from_jwt(token(rsa_key, kid="retired"))


# How a queued batch's chunk of native bodies is made


@dataclass(frozen=True)
class Chunks:
    create: ChunkCreator
    ports: BatchPorts


@pytest.fixture(params=BACKENDS)
def chunks(request: pytest.FixtureRequest) -> Chunks:
    clock = FixedClock(NOW)
    if on_moto(request):
        client = boto3.client("dynamodb")
        invoices = InvoicePorts(
            repo=DynamoInvoiceRepository(client, TABLE_NAME),
            clock=clock,
            settings=DynamoTenantSettingsRepository(client, TABLE_NAME),
        )
        ports = BatchPorts(
            invoices=invoices,
            batches=DynamoBatchRepository(client, TABLE_NAME),
            files=S3Documents(BUCKET_NAME),
            queue=SqsChunkQueue(os.environ["JOBS_QUEUE_URL"]),
            clients=DynamoClientRepository(client, TABLE_NAME),
        )
        return Chunks(create_native_chunk, ports)
    clients = InMemoryClientRepository()
    repo = InMemoryInvoiceRepository(clients=clients)
    memory = BatchPorts(
        invoices=InvoicePorts(
            repo=repo, clock=clock, settings=InMemoryTenantSettings(repo.settings)
        ),
        batches=InMemoryBatchRepository(),
        files=InMemoryDocumentStore(),
        queue=InMemoryQueue(),
        clients=clients,
    )
    return Chunks(RecordingChunkCreator(), memory)


ACME = Actor(tenant_id="acme", user_id="alice")
ITEMS = [
    {"currency": "EUR", "rows": [{"description": "A", "quantity": 1, "unitPrice": "10.00"}]},
    {"currency": "EUR", "rows": [{"description": "B", "quantity": "lots"}]},
    {"currency": "EUR", "rows": [{"description": "C", "quantity": 3, "unitPrice": "0.10"}]},
]


def take(chunks: Chunks, *, atomic: bool = False) -> list[Any]:
    return chunks.create(
        ITEMS, atomic=atomic, actor=ACME, ports=chunks.ports, start=100, batch_id="batch-1",
        id_scheme=2,
    )  # fmt: skip


def test_each_item_of_a_chunk_gets_its_outcome_at_its_place_in_the_batch(chunks: Chunks) -> None:
    outcomes = take(chunks)

    assert [outcome.index for outcome in outcomes] == [100, 101, 102]
    made, refused, also = (outcome.outcome for outcome in outcomes)
    assert isinstance(refused, InvalidInputError)
    assert refused.problems[0].field.startswith("invoices[101].rows[0]")
    assert not isinstance(made, DomainError) and made.created
    assert not isinstance(also, DomainError) and str(also.invoice.total) == "0.30"
    stored = chunks.ports.invoices.repo.get("acme", made.invoice.id)
    assert stored is not None
    assert stored.model_dump(mode="json") == made.invoice.model_dump(mode="json")
    assert stored.updated == NOW.replace(microsecond=123000)  # as stored: to the millisecond


def test_a_chunk_taken_twice_answers_as_the_first_time_and_makes_nothing_more(
    chunks: Chunks,
) -> None:
    first = [(o.index, o.outcome) for o in take(chunks)]
    again = [(o.index, o.outcome) for o in take(chunks)]

    def answered(outcome: Any) -> Any:
        return (
            type(outcome).__name__
            if isinstance(outcome, DomainError)
            else (outcome.invoice.id, outcome.created)
        )

    assert [(i, answered(o)) for i, o in again] == [(i, answered(o)) for i, o in first]
    assert [answered(o)[1] for _, o in again if not isinstance(o, DomainError)] == [True, True]
    assert chunks.ports.invoices.repo.figures("acme")["count#DRAFT#EUR"] == 2


def test_an_atomic_chunk_with_a_bad_item_is_refused_whole(chunks: Chunks) -> None:
    with pytest.raises(InvalidInputError):
        take(chunks, atomic=True)

    assert chunks.ports.invoices.repo.figures("acme") == {}


# What time it is


@pytest.mark.parametrize("clock", [FixedClock(), SystemClock()], ids=["fixed", "system"])
def test_a_clock_answers_an_aware_moment_in_utc(clock: Clock) -> None:
    assert clock.now().utcoffset() == timedelta(0)
