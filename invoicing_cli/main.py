"""`invoicing`: run the stack locally and mint credentials for it."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, cast

import click

from chalicelib.domain.due import Job
from chalicelib.domain.values import TENANT_ID_PATTERN
from invoicing_cli import jobs
from invoicing_cli.local import PROJECT_DIR, StackState, events_path, local_token
from invoicing_cli.outbox import OutboxUnavailableError, format_outbox, sent_messages

# Each command imports the heavy parts it runs (moto, the app, Chalice's server) itself, so
# `invoicing token` answers at once and the API's reloader process stays small.
if TYPE_CHECKING:
    from click._termui_impl import ProgressBar
    from mypy_boto3_dynamodb import DynamoDBClient

_DEMO_INVOICE = {
    "currency": "EUR",
    "paymentTermDays": 30,
    "rows": [{"description": "Consulting", "quantity": 2, "unitPrice": 150, "taxRate": 20}],
}


@click.group()
def cli() -> None:
    """The invoicing API on your machine."""


@cli.command()
@click.option("--port", default=8000, show_default=True, help="Port of the API.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--reload/--no-reload", default=True, help="Restart the API when code changes.")
@click.option("--tenant", default="demo", show_default=True, help="Tenant of the printed token.")
@click.option(
    "--jobs-every",
    default=60,
    show_default=True,
    type=click.IntRange(min=0),
    metavar="SECONDS",
    help="Run every scheduled job as of now this often; 0 turns them off.",
)
def serve(port: int, host: str, reload: bool, tenant: str, jobs_every: int) -> None:
    """Start the whole stack: DynamoDB Local, moto for S3, SES and SQS, and the API."""
    from invoicing_cli import stack

    _require_free_port(host, port)
    # Each line as it happens, also when the output goes to a file or a pipe.
    cast(io.TextIOWrapper, sys.stdout).reconfigure(line_buffering=True)
    _interrupt_on(signal.SIGTERM, signal.SIGINT)
    running = stack.LocalStack(host, port, reload=reload, echo=click.echo)
    try:
        state = running.start()
        _welcome(running.base_url, state, tenant)
        with stack.relaying_events(state), _job_ticker(jobs_every, state), _webhook_worker(state):
            while running.api_running():
                time.sleep(0.2)
        raise click.ClickException("The API stopped; stopping the stack.")
    except KeyboardInterrupt:
        click.echo("\nStopping.")
    except stack.StackError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        # A second Ctrl+C must not cut the cleanup short and leave processes behind.
        _interrupt_on()
        running.stop()


@cli.command("serve-api", hidden=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--reload/--no-reload", default=True)
def serve_api(port: int, host: str, reload: bool) -> None:
    """The API alone, as `serve` starts it: the app on Chalice's local server, answering as the
    deployed API does. Its environment names the services (see stack.app_environment)."""
    from invoicing_cli import api_server

    sys.exit(api_server.serve(host, port, reload=reload))


@cli.command()
@click.option("--tenant", required=True, help="Tenant the token acts for.")
@click.option("--user", default="local-user", show_default=True, help="User id (the sub claim).")
@click.option("--ttl", default=3600, show_default=True, type=click.IntRange(1, 30 * 86400))
def token(tenant: str, user: str, ttl: int) -> None:
    """Print a bearer token valid for the local stack, and nothing else."""
    if not TENANT_ID_PATTERN.fullmatch(tenant):
        raise click.BadParameter("letters, digits and . _ : @ - only", param_hint="--tenant")
    click.echo(local_token(tenant, user, ttl))


@cli.group("api-key")
def api_key() -> None:
    """Manage API keys."""


@api_key.command("create")
@click.option("--tenant", required=True, help="Tenant the key acts for.")
@click.option("--name", default=None, help="What the key is for, shown when keys are listed.")
@click.option("--port", default=8000, show_default=True, help="Port of the local stack.")
@click.option("--table", default=None, help="A deployed table instead of the local stack.")
def create_key(tenant: str, name: str | None, port: int, table: str | None) -> None:
    """Print a new API key for a tenant; only its hash is stored."""
    from chalicelib.domain.errors import InvalidInputError
    from chalicelib.ports import SystemClock
    from chalicelib.services.authentication import create_api_key
    from chalicelib.store.api_keys import DynamoApiKeyRepository

    repo = DynamoApiKeyRepository(*_dynamodb_for(port, table))
    try:
        made = create_api_key(tenant, created_by="cli", repo=repo, clock=SystemClock(), name=name)
    except InvalidInputError as exc:
        raise click.BadParameter(str(exc), param_hint="--tenant") from None
    click.echo(made)


@api_key.command("list")
@click.option("--tenant", required=True, help="Tenant whose keys to list.")
@click.option("--port", default=8000, show_default=True, help="Port of the local stack.")
@click.option("--table", default=None, help="A deployed table instead of the local stack.")
def list_keys(tenant: str, port: int, table: str | None) -> None:
    """List a tenant's API keys, oldest first: id, name, hint, created, by, last used (never a
    key nor its hash)."""
    from chalicelib.domain.values import format_timestamp
    from chalicelib.store.api_keys import DynamoApiKeyRepository

    _require_tenant(tenant)
    records = DynamoApiKeyRepository(*_dynamodb_for(port, table)).list(tenant)
    if not records:
        click.echo(f"Tenant {tenant} has no API keys.")
    for record in records:
        used = format_timestamp(record.last_used_at) if record.last_used_at else "never used"
        fields = (record.key_id, record.name or "-", record.hint or "-",
                  format_timestamp(record.created), record.created_by, used)  # fmt: skip
        click.echo("  ".join(fields))


@api_key.command("revoke")
@click.option("--tenant", required=True, help="Tenant the key belongs to.")
@click.argument("key_id")
@click.option("--port", default=8000, show_default=True, help="Port of the local stack.")
@click.option("--table", default=None, help="A deployed table instead of the local stack.")
def revoke_key(tenant: str, key_id: str, port: int, table: str | None) -> None:
    """Revoke one of a tenant's API keys: from now on it answers 401."""
    from chalicelib.store.api_keys import DynamoApiKeyRepository

    _require_tenant(tenant)
    if not DynamoApiKeyRepository(*_dynamodb_for(port, table)).delete(tenant, key_id):
        raise click.ClickException(f"Tenant {tenant} has no API key {key_id}.")
    click.echo(f"Revoked API key {key_id} of tenant {tenant}.")


@cli.group()
def numbers() -> None:
    """The items that hold the numbers invoices and credit notes carry (decision 0057)."""


@numbers.command("backfill")
@click.option("--tenant", required=True, help="Tenant whose numbers to hold.")
@click.option("--port", default=8000, show_default=True, help="Port of the local stack.")
@click.option("--table", default=None, help="A deployed table instead of the local stack.")
def backfill_numbers(tenant: str, port: int, table: str | None) -> None:
    """Give each number the tenant's stored invoices and credit notes carry the item that holds
    it, as invoices written before numbers had items lack; safe to run again. A number found on
    two documents is reported, and left as it is."""
    from chalicelib.store.numbers import backfill

    _require_tenant(tenant)
    done = backfill(*_dynamodb_for(port, table), tenant)
    click.echo(f"Tenant {tenant}: {done.held} numbers held now, {done.kept} held already.")
    for number, holder, other in done.twice:
        click.echo(f"{number} is carried by {holder} and by {other}: it stays {holder}'s.")
    if done.twice:
        raise click.ClickException(f"{len(done.twice)} numbers are carried twice.")


def _require_tenant(tenant: str) -> None:
    if not TENANT_ID_PATTERN.fullmatch(tenant):
        raise click.BadParameter("letters, digits and . _ : @ - only", param_hint="--tenant")


@cli.command()
@click.option("--port", default=8000, show_default=True, help="Port of the local stack.")
def outbox(port: int) -> None:
    """List the emails the local stack has sent; the emulator keeps them instead of delivering."""
    state = _running_stack(port)
    try:
        messages = sent_messages(state.endpoint_url)
    except OutboxUnavailableError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(format_outbox(messages))


@cli.command()
@click.option("--tenant", default=None, help="Only this tenant's events.")
@click.option("--follow", is_flag=True, help="Keep printing events as they happen.")
@click.option("--json", "as_json", is_flag=True, help="Each event as the bus took it, one a line.")
@click.option("--port", default=8000, show_default=True, help="Port of the local stack.")
def events(tenant: str | None, follow: bool, as_json: bool, port: int) -> None:
    """Print the events the local stack's bus took (decision 0064), oldest first."""
    from invoicing_cli.events import event_line, logged_events

    _running_stack(port)
    log = events_path(port)
    for event in logged_events(log, follow=follow, stop=lambda: StackState.load(port) is None):
        if tenant is None or event["tenantId"] == tenant:
            click.echo(json.dumps(event) if as_json else event_line(event))


@cli.command()
@click.argument(
    "output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=PROJECT_DIR / "build" / "openapi.json",
)
def spec(output: Path) -> None:
    """Write the API's OpenAPI 3.1 document, as GET /openapi.json answers it, to OUTPUT (for
    generating clients offline)."""
    from chalicelib.api.spec import openapi_text
    from invoicing_cli.api_server import stage_config

    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(openapi_text(stage_config().chalice_app))
    click.echo(f"Wrote {output}")


@cli.command()
def routes() -> None:
    """Write chalicelib/api/route_table.json, which app.py registers its routes from, from the
    routes the API modules declare (after adding, removing or changing a route)."""
    from chalicelib.api.route_table import write
    from chalicelib.api.wiring import ROUTE_TABLE

    click.echo(f"{ROUTE_TABLE}: {'written' if write() else 'unchanged'}")


@cli.command("run-job")
@click.argument("job", type=click.Choice(jobs.JOB_CHOICES))
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    metavar="YYYY-MM-DD",
    help="Run as of the end of this day (23:59:59 UTC) instead of now (UTC).",
)
@click.option("--port", default=8000, show_default=True, help="Port of the local stack.")
def run_job(job: str, day: datetime | None, port: int) -> None:
    """Run a scheduled job on the local stack, then take the chunks it queued as the worker
    would; one line per job. `all` runs recurring, scheduled, reminders, overdue in turn."""
    from invoicing_cli import stack

    state = _running_stack(port)
    ports, queue = stack.job_connections(state)
    now = jobs.as_of(day.date() if day else None)
    for outcome in jobs.run_jobs(jobs.selected_jobs(job), now, ports, queue, _progress_bar):
        click.echo(outcome.line())


@contextmanager
def _progress_bar(job: Job, total: int) -> Iterator[jobs.Progress]:
    label = f"{job}: workers"
    with click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True) as bar:
        yield _GrowingBar(bar)


class _GrowingBar:
    """click's bar, whose length grows when the workers find more to do (a queued batch)."""

    def __init__(self, bar: ProgressBar[int]) -> None:
        self._bar = bar

    def update(self, n_steps: int) -> None:
        self._bar.update(n_steps)

    def grow(self, n_steps: int) -> None:
        self._bar.length = (self._bar.length or 0) + n_steps
        self._bar.render_progress()


def _job_ticker(every_seconds: int, state: StackState) -> AbstractContextManager[None]:
    from invoicing_cli import stack

    if not every_seconds:
        return nullcontext()
    ports, queue = stack.job_connections(state)
    return jobs.ticking(
        every_seconds, lambda stop: jobs.run_all_now(ports, queue, click.echo, stop)
    )


def _webhook_worker(state: StackState) -> AbstractContextManager[None]:
    """The local webhook queue taken as the deployed webhook worker takes it (decision 0065)."""
    from chalicelib.bootstrap import get_deps
    from chalicelib.store.webhook_receipts import SqsWebhookReceipts
    from invoicing_cli import stack, webhooks

    stack.job_connections(state)  # this process's deps, against the stack
    deps = get_deps()
    if not deps.settings.webhook_queue_url:
        click.echo("No local webhook queue: webhooks are not delivered.")
        return nullcontext()
    return webhooks.consuming(
        SqsWebhookReceipts(deps.settings.webhook_queue_url),
        deps.webhook_ports,
        webhooks.local_schedule(os.environ.get(webhooks.RETRY_SECONDS_VARIABLE)),
    )


def _running_stack(port: int) -> StackState:
    state = StackState.load(port)
    if state is None:
        raise click.ClickException(
            f"No local stack is running on port {port}: start one with `invoicing serve`."
        )
    return state


def _dynamodb_for(port: int, table: str | None) -> tuple[DynamoDBClient, str]:
    if table is not None:
        import boto3

        return boto3.client("dynamodb"), table
    state = StackState.load(port)
    if state is None:
        raise click.ClickException(
            f"No local stack is running on port {port}: start one with `invoicing serve`, "
            "or pass --table to use a deployed table."
        )
    from invoicing_cli import stack

    client = stack.local_session().client("dynamodb", endpoint_url=state.dynamodb_endpoint_url)
    return client, state.table


def _welcome(base_url: str, state: StackState, tenant: str) -> None:
    bearer = local_token(tenant, ttl_seconds=12 * 3600)
    body = json.dumps(_DEMO_INVOICE)
    click.echo(
        f"\nInvoicing API ready on {base_url}\n"
        f"DynamoDB: {state.engine} on {state.dynamodb_endpoint_url}; "
        f"S3, SES and SQS: moto on {state.endpoint_url}\n"
        f"Bearer token for tenant '{tenant}' (12 hours):\n\n{bearer}\n\n"
        "Create an invoice:\n\n"
        f"curl -X POST {base_url}/api/v1/invoices -H 'Authorization: Bearer {bearer}' "
        f"-H 'Content-Type: application/json' -d '{body}'\n\n"
        "Press Ctrl+C to stop. The data is fresh per start and gone when the stack stops.\n"
    )


def _require_free_port(host: str, port: int) -> None:
    with socket.socket() as probe:
        # As the server binds: a port whose last connections are closing (TIME_WAIT) is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            raise click.ClickException(
                f"Port {port} is in use; choose another with --port"
            ) from None


def _interrupt_on(*signals: signal.Signals) -> None:
    """SIGTERM as Ctrl+C: both stop the stack. Called with none, both are ignored from then on."""
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _raise_interrupt if signum in signals else signal.SIG_IGN)


def _raise_interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt
