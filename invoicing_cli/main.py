"""`invoicing`: run the stack locally and mint credentials for it."""

from __future__ import annotations

import json
import signal
import socket
import sys
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from types import FrameType
from typing import TYPE_CHECKING

import boto3
import click

from chalicelib.domain.due import Job
from chalicelib.domain.errors import InvalidInputError
from chalicelib.domain.values import TENANT_ID_PATTERN
from chalicelib.services.authentication import create_api_key
from chalicelib.services.ports import SystemClock
from chalicelib.store.api_keys import DynamoApiKeyRepository
from invoicing_cli import jobs, stack
from invoicing_cli.local import FAKE_CREDENTIALS, REGION, StackState, local_token, state_path
from invoicing_cli.outbox import OutboxUnavailableError, format_outbox, sent_messages
from invoicing_cli.resources import ResourceNames

if TYPE_CHECKING:
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
    """Start the whole stack: AWS emulated by moto, the API by `chalice local`."""
    _require_free_port(host, port)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    with stack.aws_emulator() as endpoint_url:
        names = stack.provision(endpoint_url)
        process = stack.start_chalice_local(
            host, port, stack.app_environment(endpoint_url, names), reload=reload
        )
        try:
            base_url = f"http://{host}:{port}"
            stack.wait_until_healthy(base_url, process)
            stack.remember(port, endpoint_url, names)
            _welcome(base_url, endpoint_url, tenant)
            with _job_ticker(jobs_every, endpoint_url, names):
                process.wait()
        except KeyboardInterrupt:
            click.echo("\nStopping.")
        finally:
            stack.stop(process)
            state_path(port).unlink(missing_ok=True)


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
@click.option("--port", default=8000, show_default=True, help="Port of the local stack.")
@click.option("--table", default=None, help="A deployed table instead of the local stack.")
def create_key(tenant: str, port: int, table: str | None) -> None:
    """Print a new API key for a tenant; only its hash is stored."""
    repo = DynamoApiKeyRepository(*_dynamodb_for(port, table))
    try:
        click.echo(create_api_key(tenant, created_by="cli", repo=repo, clock=SystemClock()))
    except InvalidInputError as exc:
        raise click.BadParameter(str(exc), param_hint="--tenant") from None


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
    state = _running_stack(port)
    if not state.jobs_queue_url:
        raise click.ClickException(
            f"The stack on port {port} has no jobs queue: restart it with `invoicing serve`."
        )
    ports, queue = stack.job_connections(state.endpoint_url, stack.names_of(state))
    now = jobs.as_of(day.date() if day else None)
    for outcome in jobs.run_jobs(jobs.selected_jobs(job), now, ports, queue, _progress_bar):
        click.echo(outcome.line())


def _progress_bar(job: Job, total: int) -> AbstractContextManager[jobs.Progress]:
    return click.progressbar(length=total, label=f"{job}: workers", file=sys.stderr)


def _job_ticker(
    every_seconds: int, endpoint_url: str, names: ResourceNames
) -> AbstractContextManager[None]:
    if not every_seconds:
        return nullcontext()
    ports, queue = stack.job_connections(endpoint_url, names)
    return jobs.ticking(
        every_seconds, lambda stop: jobs.run_all_now(ports, queue, click.echo, stop)
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
        return boto3.client("dynamodb"), table
    state = StackState.load(port)
    if state is None:
        raise click.ClickException(
            f"No local stack is running on port {port}: start one with `invoicing serve`, "
            "or pass --table to use a deployed table."
        )
    session = boto3.session.Session(
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name=REGION,
    )
    return session.client("dynamodb", endpoint_url=state.endpoint_url), state.table


def _welcome(base_url: str, endpoint_url: str, tenant: str) -> None:
    bearer = local_token(tenant, ttl_seconds=12 * 3600)
    body = json.dumps(_DEMO_INVOICE)
    click.echo(
        f"\nInvoicing API ready on {base_url} (AWS emulated on {endpoint_url})\n"
        f"Bearer token for tenant '{tenant}' (12 hours):\n\n{bearer}\n\n"
        "Create an invoice:\n\n"
        f"curl -X POST {base_url}/api/v1/invoices -H 'Authorization: Bearer {bearer}' "
        f"-H 'Content-Type: application/json' -d '{body}'\n\n"
        "Press Ctrl+C to stop. State lives in memory and is gone when the stack stops.\n"
    )


def _require_free_port(host: str, port: int) -> None:
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            raise click.ClickException(
                f"Port {port} is in use; choose another with --port"
            ) from None


def _exit_on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt
