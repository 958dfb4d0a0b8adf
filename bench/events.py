"""Events and webhooks on the local stack (issue 23): `invoicing serve` as a developer runs it
(DynamoDB Local, its stream relayed by serve's poller, the webhook queue taken by serve's worker),
driven over HTTP from this process.

Two tenants make the same writes one after another, each invoice created then marked as sent
(two events: invoice.created, invoice.issued): first a tenant with no endpoint (the baseline: the
write rate alone), then a tenant with one endpoint for every event, at a receiver on 127.0.0.1 in
this process that answers 200 at once. Reported: the write rate of each, the events per second
from the first write to the last webhook, and the time from a write's answer to its webhook
arriving (median, p95, max). That time includes the relay's poll of the stream (it reads again
0.2 s after a read that found nothing) and the worker's receive (a long poll of up to 1 s that
moto answers when a message comes); the first of them is the larger part of an idle stack's
latency.

Run from the repository root: `.venv/bin/python -m bench.events` (about a minute), or
`--invoices 50` for a quick run."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import requests

from tests import local_stack
from tests.local_stack import INVOICES, ROWS, Receiver, Stack, receiving

DEFAULT_INVOICES = 200
DRAIN_SECONDS = 120
EVENT_OF_WRITE = {"create": "invoice.created", "mark-as-sent": "invoice.issued"}


def writes(stack: Stack, tenant: str, count: int) -> tuple[float, dict[tuple[str, str], float]]:
    """`count` invoices created and marked as sent, one request at a time: the seconds it took,
    and when each write's answer came (time.monotonic()), by invoice id and the event it makes."""
    session, auth = requests.Session(), stack.auth(tenant)
    answered: dict[tuple[str, str], float] = {}
    started = time.monotonic()
    for _ in range(count):
        made = session.post(
            f"{stack.url}{INVOICES}", json={"currency": "EUR", "rows": ROWS}, headers=auth
        )
        made.raise_for_status()
        invoice_id = made.json()["id"]
        answered[invoice_id, EVENT_OF_WRITE["create"]] = time.monotonic()
        sent = session.patch(f"{stack.url}{INVOICES}/{invoice_id}/mark-as-sent", headers=auth)
        sent.raise_for_status()
        answered[invoice_id, EVENT_OF_WRITE["mark-as-sent"]] = time.monotonic()
    return time.monotonic() - started, answered


def arrivals(receiver: Receiver, wanted: int) -> dict[tuple[str, str], float]:
    """When each event's webhook first arrived, by invoice id and type, once `wanted` came."""
    deadline = time.monotonic() + DRAIN_SECONDS
    while len(receiver.landed()) < wanted and time.monotonic() < deadline:
        time.sleep(0.1)
    first: dict[tuple[str, str], float] = {}
    for post in receiver.landed():
        event = json.loads(post.body)["data"]
        first.setdefault((event["resourceId"], event["type"]), post.arrived)
    return first


def quantile_ms(values: Sequence[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.events", description=__doc__)
    parser.add_argument("--invoices", type=int, default=DEFAULT_INVOICES)
    args = parser.parse_args(argv)
    count = args.invoices
    with (
        tempfile.TemporaryDirectory(prefix="bench-events-") as directory,
        local_stack.running(Path(directory), jobs_every=0) as stack,
        receiving() as receiver,
    ):
        made = requests.post(
            f"{stack.url}/api/v1/webhooks",
            json={"url": receiver.url, "eventTypes": ["*"]},
            headers=stack.auth("hooked"),
            timeout=10,
        )
        made.raise_for_status()
        writes(stack, "warm-up", 5)  # the API's first requests, not counted
        plain_seconds, _ = writes(stack, "plain", count)
        started = time.monotonic()
        hooked_seconds, answered = writes(stack, "hooked", count)
        landed = arrivals(receiver, len(answered))
        extra = len(receiver.landed()) - len(landed)
    missing = set(answered) - set(landed)
    latencies = [landed[key] - answered[key] for key in answered if key in landed]
    last = max(landed.values())
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    write_calls = 2 * count
    print(
        f"{count} invoices created and marked as sent ({write_calls} writes, one at a time) "
        f"per tenant; load average {load} on {os.cpu_count()} CPUs.\n\n"
        "| run | writes/s | events delivered | events/s through delivery "
        "| write answer to webhook: median ms | p95 ms | max ms |\n"
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n"
        f"| no endpoint (baseline) | {write_calls / plain_seconds:.1f} | - | - | - | - | - |\n"
        f"| one endpoint, local receiver | {write_calls / hooked_seconds:.1f} | "
        f"{len(landed)} of {len(answered)} | {len(landed) / (last - started):.1f} | "
        f"{statistics.median(latencies) * 1000:.0f} | {quantile_ms(latencies, 95):.0f} | "
        f"{max(latencies) * 1000:.0f} |\n\n"
        f"Last webhook {(last - started - hooked_seconds) * 1000:.0f} ms after the last write's "
        f"answer; events missing: {len(missing)}; delivered more than once: {extra}."
    )
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
