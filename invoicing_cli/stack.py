"""The local stack: the table on DynamoDB Local (AWS's own engine), S3, SES and SQS on one moto
server, resources created from the template, and the API on Chalice's local server.

Without Java, moto serves the table too, one DynamoDB request at a time: its transactions are not
atomic against each other (two issues could take one number), serialized they are.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import boto3
from moto.core.model_instances import model_data
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

from chalicelib.bootstrap import get_deps
from chalicelib.jobs.ports import JobPorts
from chalicelib.store.queue import SqsChunkQueue
from invoicing_cli import dynamodb_local, processes
from invoicing_cli.events import EventOutlets, create_event_outlets, tap_to_log
from invoicing_cli.local import (
    BUCKET_NAME,
    EVENT_BUS_NAME,
    EVENTS_TAP_QUEUE_NAME,
    FAKE_CREDENTIALS,
    JOBS_QUEUE_NAME,
    LOCAL_JWT_SECRET,
    MAIL_FROM,
    PROJECT_DIR,
    REGION,
    TABLE_NAME,
    WEBHOOK_QUEUE_NAME,
    StackState,
    events_path,
)
from invoicing_cli.resources import (
    ResourceNames,
    create_jobs_queue,
    create_resources,
    verify_sender,
)

READY_TIMEOUT_SECONDS = 90
DYNAMODB_LOCAL = "DynamoDB Local"
MOTO_SERIALIZED = "moto, one request at a time"

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class StackError(RuntimeError):
    """The stack could not start; the message says what to do."""


class OneDynamoDBRequestAtATime:
    """WSGI middleware: DynamoDB requests pass one at a time, so each of moto's transactions is
    all-or-nothing against the others; S3, SES and SQS requests pass freely.

    moto also keeps a reference to every model object it ever made, for its dashboard: for
    DynamoDB that is every copy of every item a transaction made (memory grew by gigabytes in a
    few hundred invoices). Nothing here reads DynamoDB's share of it, so it is let go after each
    request; SES's stays, for `invoicing outbox`."""

    def __init__(self, app: WsgiApp) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            return self._app(environ, start_response)
        with self._lock:
            try:
                return list(self._app(environ, start_response))
            finally:
                _forget_dynamodb_models()


def _forget_dynamodb_models() -> None:
    for model in model_data.get("dynamodb", {}).values():
        model.instances_tracked = []  # type: ignore[attr-defined]


class MotoServer:
    """moto's services on a free loopback port, in a thread of this process, in memory."""

    def __init__(self, *, serialize_dynamodb: bool) -> None:
        app: WsgiApp = DomainDispatcherApplication(create_backend_app)
        self._app = OneDynamoDBRequestAtATime(app) if serialize_dynamodb else app
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per AWS call is noise
        server = make_server(
            "127.0.0.1", 0, self._app, threaded=True, request_handler=MotoRequestHandler
        )
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True, name="moto"
        )
        self._thread.start()
        return f"http://127.0.0.1:{server.server_port}"

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=1)


@dataclasses.dataclass
class LocalStack:
    """Everything `invoicing serve` runs, started in order and stopped together."""

    host: str
    port: int
    reload: bool
    echo: Callable[[str], None]
    work_dir: Path = dataclasses.field(
        default_factory=lambda: Path(tempfile.mkdtemp(prefix="invoicing-local-"))
    )
    engine: str = ""
    state: StackState | None = None
    _moto: MotoServer | None = None
    _children: list[processes.Child] = dataclasses.field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> StackState:
        dynamodb_url = self._start_dynamodb_local()
        self._moto = MotoServer(serialize_dynamodb=dynamodb_url is None)
        aws_url = self._moto.start()
        names = provision(aws_url, dynamodb_url or aws_url)
        outlets = provision_events(aws_url)
        state = StackState(
            api_port=self.port,
            endpoint_url=aws_url,
            dynamodb_endpoint_url=dynamodb_url or aws_url,
            table=names.table,
            bucket=names.bucket,
            jobs_queue_url=names.jobs_queue_url,
            engine=self.engine,
            event_bus_name=outlets.bus_name,
            webhook_queue_url=outlets.webhook_queue_url,
            events_tap_url=outlets.tap_url,
        )
        api = start_api(self.host, self.port, app_environment(state), reload=self.reload)
        self._children.append(api)
        wait_until_healthy(self.base_url, api)
        state.save()
        self.state = state
        return state

    def api_running(self) -> bool:
        return all(child.running for child in self._children)

    def stop(self) -> None:
        """Stops the API and DynamoDB Local together, then moto; forgets the state and data."""
        if self.state is not None:
            self.state.forget()
        processes.stop(self._children)
        if self._moto is not None:
            self._moto.stop()
        shutil.rmtree(self.work_dir, ignore_errors=True)

    def _start_dynamodb_local(self) -> str | None:
        """DynamoDB Local's URL; None, with one line saying why, when moto must stand in."""
        if dynamodb_local.java() is None:
            self._moto_instead("Java not found", "install Java 17 for DynamoDB Local")
            return None
        if not dynamodb_local.JAR.is_file():
            self._moto_instead(
                "DynamoDB Local is not installed", "`make dynamodb-local` fetches it"
            )
            return None
        try:
            url, child = dynamodb_local.start(
                self.work_dir / "dynamodb-local.log",
                data_dir=self.work_dir,
                jvm=dynamodb_local.SERVING_JVM,
            )
        except dynamodb_local.DynamoDBLocalError as exc:
            raise StackError(str(exc)) from None
        self._children.append(child)
        self.engine = DYNAMODB_LOCAL
        return url

    def _moto_instead(self, why: str, remedy: str) -> None:
        self.echo(f"{why}: DynamoDB runs on moto, one request at a time ({remedy}).")
        self.engine = MOTO_SERIALIZED


def provision(aws_url: str, dynamodb_url: str) -> ResourceNames:
    session = local_session()
    names = ResourceNames(table=TABLE_NAME, bucket=BUCKET_NAME)
    create_resources(
        session.client("dynamodb", endpoint_url=dynamodb_url),
        session.client("s3", endpoint_url=aws_url),
        names,
    )
    verify_sender(session.client("ses", endpoint_url=aws_url), MAIL_FROM)
    queue_url = create_jobs_queue(session.client("sqs", endpoint_url=aws_url), JOBS_QUEUE_NAME)
    return dataclasses.replace(names, jobs_queue_url=queue_url)


def provision_events(aws_url: str) -> EventOutlets:
    """The bus, the webhook queue and the tap `invoicing events` reads (decision 0064)."""
    session = local_session()
    return create_event_outlets(
        session.client("events", endpoint_url=aws_url),
        session.client("sqs", endpoint_url=aws_url),
        EVENT_BUS_NAME,
        WEBHOOK_QUEUE_NAME,
        EVENTS_TAP_QUEUE_NAME,
    )


@contextlib.contextmanager
def relaying_events(state: StackState) -> Iterator[None]:
    """The table's stream relayed in this process by the relay's own Lambda handler, as Lambda
    would, and what the bus took written to the events log."""
    from chalicelib.jobs.handlers import event_relay
    from invoicing_cli.stream import relaying

    os.environ.update(app_environment(state))
    get_deps.cache_clear()
    session = local_session()
    sqs = session.client("sqs", endpoint_url=state.endpoint_url)
    log = events_path(state.api_port)
    log.unlink(missing_ok=True)  # a new stack's table starts empty, and so does its log
    tap = tap_to_log(sqs, state.events_tap_url, log)
    with relaying(session, state.dynamodb_endpoint_url, state.table, event_relay, tap):
        yield


def local_session() -> boto3.session.Session:
    return boto3.session.Session(
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name=REGION,
    )


def app_environment(state: StackState) -> dict[str, str]:
    """The environment the app runs with locally: boto3 reads the per-service endpoint for
    DynamoDB and the general one for S3, SES and SQS."""
    return {
        **os.environ,
        **FAKE_CREDENTIALS,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ENDPOINT_URL": state.endpoint_url,
        "AWS_ENDPOINT_URL_DYNAMODB": state.dynamodb_endpoint_url,
        "TABLE_NAME": state.table,
        "BUCKET_NAME": state.bucket,
        "AUTH_JWT_SECRET": LOCAL_JWT_SECRET,
        "MAIL_FROM": MAIL_FROM,
        "JOBS_QUEUE_URL": state.jobs_queue_url,
        "EVENT_BUS_NAME": state.event_bus_name,
        "WEBHOOK_QUEUE_URL": state.webhook_queue_url,
        "LOCAL_STACK": "true",  # webhooks may go to http://127.0.0.1 (decision 0063)
    }


def job_connections(state: StackState) -> tuple[JobPorts, SqsChunkQueue]:
    """The jobs' ports and queue in this process, against the stack as the app sees it.
    get_deps() reads the environment once and keeps what it built, hence the cleared cache."""
    os.environ.update(app_environment(state))
    get_deps.cache_clear()
    return get_deps().job_ports(), SqsChunkQueue(state.jobs_queue_url)


def start_api(
    host: str, port: int, environment: dict[str, str], *, reload: bool
) -> processes.Child:
    invoicing = Path(sys.executable).with_name("invoicing")
    command = [str(invoicing), "serve-api", "--host", host, "--port", str(port)]
    command.append("--reload" if reload else "--no-reload")
    return processes.spawn("API", command, env=environment, cwd=PROJECT_DIR)


def wait_until_healthy(base_url: str, api: processes.Child) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if not api.running:
            raise StackError(f"the API exited with status {api.process.returncode}")
        try:
            with urllib.request.urlopen(f"{base_url}/health", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise StackError(f"the API did not answer {base_url}/health within {READY_TIMEOUT_SECONDS}s")
