"""Cold start (issue 19, decision 0046): what importing the app costs in a fresh process against
what `import boto3, chalice.app` costs there (the bar: at most 1.5 times), both measured side by
side, alternating; then each function's first request, import included, in a fresh process
against an emulated AWS (a moto server in this process, reached through AWS_ENDPOINT_URL), and
the API's and a job's first request where SnapStart's before-snapshot hooks have run.

    .venv/bin/python -m bench.cold_start            # about a minute
    .venv/bin/python -m bench.cold_start --runs 11
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

import boto3

from bench.report import TIMES
from invoicing_cli.local import (
    BUCKET_NAME,
    FAKE_CREDENTIALS,
    JOBS_QUEUE_NAME,
    LOCAL_JWT_SECRET,
    PROJECT_DIR,
    REGION,
    TABLE_NAME,
    local_token,
)
from invoicing_cli.resources import ResourceNames, create_jobs_queue, create_resources
from tests.support import api_event

REQUEST_ID = "bench-cold-start"

BAR = 1.5
BASELINE = "import boto3, chalice.app"
APP = "import app"
# The statement timed in a fresh interpreter; the interpreter's own start is not counted.
_TIMED = "import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"

# A fresh process imports the app and answers one event, timed from before the import to after
# the answer; it prints the import's share and the whole, in seconds.
# The handler is the one the template names: `app.app` for the API, and for a job function the
# blueprint's own module (chalicelib.jobs.handlers), which Lambda imports without app.py.
# "restored": as in an environment SnapStart restored, the before-snapshot hooks have run (not
# timed: Lambda runs them once per version), and only the request is timed.
_FIRST_REQUEST = """
import importlib, json, sys, time
module, name, event = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
started = time.perf_counter()
handler = getattr(importlib.import_module(module), name)
imported = time.perf_counter()
if sys.argv[4] == "restored":
    from chalicelib.runtime import snapstart
    snapstart.load_deferred()
    snapstart.build_clients()
    started = imported = time.perf_counter()
from chalice.local import LambdaContext
answer = handler(event, LambdaContext(name, 1024))
done = time.perf_counter()
if module == "app" and answer["statusCode"] != 200:
    raise SystemExit(f"answered {answer['statusCode']}: {answer['body']}")
print(json.dumps([imported - started, done - started]))
"""


def timed_import(statement: str) -> float:
    done = subprocess.run(  # noqa: S603 (this interpreter, this module's own code)
        [sys.executable, "-c", _TIMED.format(statement=statement)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout)


def import_medians(runs: int) -> tuple[float, float]:
    """Medians of `runs` fresh imports of each, alternating so both meet the same machine."""
    baseline, app = [], []
    for _ in range(runs):
        baseline.append(timed_import(BASELINE))
        app.append(timed_import(APP))
    return statistics.median(baseline), statistics.median(app)


def scheduled_event(rule: str) -> dict[str, object]:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": now,
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:123456789012:rule/{rule}"],
        "detail": {},
    }


def worker_event() -> dict[str, object]:
    """One message holding an empty chunk: the worker's whole path, with no item to act on."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = json.dumps({"job": "overdue", "now": now, "items": [], "attempt": 0})
    record = {
        "messageId": "0b5d2a7e-4c61-4f0e-9a8a-1f3c7e2d9b44",
        "receiptHandle": "handle",
        "body": body,
        "attributes": {},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:{JOBS_QUEUE_NAME}",
        "awsRegion": REGION,
    }
    return {"Records": [record]}


def first_requests() -> list[tuple[str, str, dict[str, object], bool]]:
    """Each function, with the event of its first request, and whether SnapStart restored it."""
    bearer = {"authorization": f"Bearer {local_token('bench')}"}
    jobs = ("recurring_job", "scheduled_sending_job", "reminders_job", "overdue_job")
    find_all = api_event(
        "/api/v1/invoices/find-all", "/api/v1/invoices/find-all", bearer, "bench-cold-start"
    )
    return [
        (
            "api_handler",
            "GET /health",
            api_event("/health", "/health", {}, "bench-cold-start"),
            False,
        ),
        ("api_handler", "GET /api/v1/invoices/find-all (bearer JWT)", find_all, False),
        *((job, "an empty run", scheduled_event(job), False) for job in jobs),
        ("job_worker", "an empty chunk", worker_event(), False),
        ("api_handler", "GET /api/v1/invoices/find-all, SnapStart-restored", find_all, True),
        ("recurring_job", "an empty run, SnapStart-restored", scheduled_event(jobs[0]), True),
    ]


@contextmanager
def emulated_aws() -> Iterator[dict[str, str]]:
    """A moto server with the stack's table, bucket and queue; yields the child's environment."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per emulated call
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
            **FAKE_CREDENTIALS,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ENDPOINT_URL": endpoint,
            "TABLE_NAME": TABLE_NAME,
            "BUCKET_NAME": BUCKET_NAME,
            "AUTH_JWT_SECRET": LOCAL_JWT_SECRET,
        }
        session = boto3.session.Session(
            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            region_name=REGION,
        )
        names = ResourceNames(TABLE_NAME, BUCKET_NAME)
        create_resources(
            session.client("dynamodb", endpoint_url=endpoint),
            session.client("s3", endpoint_url=endpoint),
            names,
        )
        env["JOBS_QUEUE_URL"] = create_jobs_queue(
            session.client("sqs", endpoint_url=endpoint), JOBS_QUEUE_NAME
        )
        yield env
    finally:
        server.stop()


def handler_string(function: str) -> str:
    """Where Lambda finds the function's handler, as `chalice package` writes it."""
    if function == "api_handler":
        return "app.app"
    from app import app

    (source,) = [s for s in app.event_sources if s.name == function]
    return source.handler_string


def first_request(
    function: str, event: dict[str, object], env: dict[str, str], *, restored: bool
) -> list[float]:
    module, _, name = handler_string(function).rpartition(".")
    state = "restored" if restored else "cold"
    done = subprocess.run(  # noqa: S603 (this interpreter, this module's own code)
        [sys.executable, "-c", _FIRST_REQUEST, module, name, json.dumps(event), state],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{function} failed:\n{done.stderr}")
    timed: list[float] = json.loads(done.stdout.strip().splitlines()[-1])
    return timed


def report(runs: int) -> str:
    baseline, app = import_medians(runs)
    ratio = app / baseline
    verdict = "meets" if ratio <= BAR else "misses"
    lines = [
        f"Fresh imports, medians of {runs} alternating runs:",
        "",
        f"| import | median ms | {TIMES} baseline |",
        "| --- | ---: | ---: |",
        f"| `{BASELINE}` (baseline) | {baseline * 1000:.0f} | 1.00 |",
        f"| `{APP}` | {app * 1000:.0f} | {ratio:.2f} ({verdict} the bar of {BAR}) |",
        "",
        f"First request of each function in a fresh process (medians of {runs}; SnapStart-restored:"
        " its before-snapshot hooks ran first, untimed, so only the request counts):",
        "",
        "| function | first request | import ms | import and request ms |",
        "| --- | --- | ---: | ---: |",
    ]
    with emulated_aws() as env:
        for function, what, event, restored in first_requests():
            samples = [first_request(function, event, env, restored=restored) for _ in range(runs)]
            imported = statistics.median(s[0] for s in samples) * 1000
            whole = statistics.median(s[1] for s in samples) * 1000
            lines.append(f"| `{function}` | {what} | {imported:.0f} | {whole:.0f} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    sys.stdout.write(report(args.runs) + "\n")


if __name__ == "__main__":
    main()
