"""The local stack: one moto server for the AWS services, resources created from the template,
and `chalice local` serving the app against it."""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
from moto.server import ThreadedMotoServer

from chalicelib.bootstrap import get_deps
from chalicelib.jobs.ports import JobPorts
from chalicelib.store.queue import SqsChunkQueue
from invoicing_cli.local import (
    BUCKET_NAME,
    FAKE_CREDENTIALS,
    JOBS_QUEUE_NAME,
    LOCAL_JWT_SECRET,
    MAIL_FROM,
    PROJECT_DIR,
    REGION,
    TABLE_NAME,
    StackState,
)
from invoicing_cli.resources import (
    ResourceNames,
    create_jobs_queue,
    create_resources,
    verify_sender,
)

READY_TIMEOUT_SECONDS = 90


@contextmanager
def aws_emulator() -> Iterator[str]:
    """A moto server on a free loopback port, in memory; yields its endpoint URL."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one log line per AWS call is noise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def provision(endpoint_url: str) -> ResourceNames:
    names = ResourceNames(table=TABLE_NAME, bucket=BUCKET_NAME)
    session = boto3.session.Session(
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name=REGION,
    )
    create_resources(
        session.client("dynamodb", endpoint_url=endpoint_url),
        session.client("s3", endpoint_url=endpoint_url),
        names,
    )
    verify_sender(session.client("ses", endpoint_url=endpoint_url), MAIL_FROM)
    queue_url = create_jobs_queue(session.client("sqs", endpoint_url=endpoint_url), JOBS_QUEUE_NAME)
    return dataclasses.replace(names, jobs_queue_url=queue_url)


def app_environment(endpoint_url: str, names: ResourceNames) -> dict[str, str]:
    return {
        **os.environ,
        **FAKE_CREDENTIALS,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ENDPOINT_URL": endpoint_url,
        "TABLE_NAME": names.table,
        "BUCKET_NAME": names.bucket,
        "AUTH_JWT_SECRET": LOCAL_JWT_SECRET,
        "MAIL_FROM": MAIL_FROM,
        "JOBS_QUEUE_URL": names.jobs_queue_url,
    }


def names_of(state: StackState) -> ResourceNames:
    return ResourceNames(state.table, state.bucket, jobs_queue_url=state.jobs_queue_url)


def job_connections(endpoint_url: str, names: ResourceNames) -> tuple[JobPorts, SqsChunkQueue]:
    """The jobs' ports and queue in this process, against the emulator as the app sees it.
    get_deps() reads the environment once and keeps what it built, hence the cleared cache."""
    os.environ.update(app_environment(endpoint_url, names))
    get_deps.cache_clear()
    return get_deps().job_ports(), SqsChunkQueue(names.jobs_queue_url)


def start_chalice_local(
    host: str, port: int, environment: dict[str, str], *, reload: bool
) -> subprocess.Popen[bytes]:
    chalice = Path(sys.executable).with_name("chalice")
    command = [str(chalice), "local", "--host", host, "--port", str(port), "--stage", "dev"]
    command.append("--autoreload" if reload else "--no-autoreload")
    # A process group of its own, so stopping the stack also stops the autoreload child.
    return subprocess.Popen(command, cwd=PROJECT_DIR, env=environment, start_new_session=True)


def wait_until_healthy(base_url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chalice local exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base_url}/health", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the API did not answer {base_url}/health within {READY_TIMEOUT_SECONDS}s")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def remember(port: int, endpoint_url: str, names: ResourceNames) -> StackState:
    state = StackState(
        api_port=port,
        endpoint_url=endpoint_url,
        table=names.table,
        bucket=names.bucket,
        jobs_queue_url=names.jobs_queue_url,
    )
    state.save()
    return state
