"""What a synchronous batch of 100 invoices costs (issue 7), next to the 100 single creates it
replaces, on DynamoDB Local (AWS's own engine, in memory, over HTTP on loopback), with the app
in process through Chalice's test client, as a client calls it.

Rounds alternate the two ways of creating 100 new invoices, each with its own externalIds:
one `POST /api/v1/invoices/batch` of 100, and 100 `POST /api/v1/invoices`. It counts the batch's
DynamoDB calls (the bar: at most 8, no Scan), times both, and reports medians and their ratio.
Afterwards the table must hold exactly the invoices made, each once, and the tenant's figures
must count them.

moto is not used here: its TransactWriteItems deep-copies the table for every item of a
transaction, which would make the batch look slower than it is.

Run from the repository root: `.venv/bin/python -m bench.batches` (about a minute), or
`--rounds 5` for a quick look. DynamoDB Local comes with `make test` (.cache/dynamodb-local)."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import boto3
from chalice.test import Client

from bench.harness import CallLog, bearer, use_local_environment
from bench.report import TIMES
from chalicelib.bootstrap import get_deps
from invoicing_cli.dynamodb_local import run_dynamodb_local
from invoicing_cli.local import PROJECT_DIR
from invoicing_cli.resources import create_table_request

TENANT = "bench-batches"
BATCH_BAR = 8
ROW = {"description": "Consulting", "quantity": "1.5", "unitPrice": "33.33", "taxRate": 19}


def invoices(round_number: int, kind: str, count: int) -> list[dict[str, Any]]:
    return [
        {"externalId": f"{kind}-{round_number}-{n}", "currency": "EUR", "rows": [ROW, ROW]}
        for n in range(count)
    ]


def post(client: Client, path: str, body: Any) -> dict[str, Any]:
    headers = {**bearer(TENANT), "Content-Type": "application/json"}
    reply = client.http.post(path, body=json.dumps(body), headers=headers)
    if reply.status_code not in (200, 201):
        raise RuntimeError(f"{path} answered {reply.status_code}: {reply.body[:300]!r}")
    answered: dict[str, Any] = json.loads(reply.body)
    return answered


def measure(client: Client, rounds: int, size: int) -> dict[str, Any]:
    calls = CallLog(get_deps().dynamodb)
    post(client, "/api/v1/invoices", {})  # warm: the tenant's defaults, the app's imports
    calls.take()
    batch_ms, single_ms, batch_calls = [], [], []
    for round_number in range(rounds):
        started = time.perf_counter()
        reply = post(
            client, "/api/v1/invoices/batch", {"invoices": invoices(round_number, "b", size)}
        )
        batch_ms.append((time.perf_counter() - started) * 1000)
        batch_calls.append(calls.take().operations)
        if reply["created"] != size:
            raise RuntimeError(f"the batch created {reply['created']} of {size}")
        started = time.perf_counter()
        for body in invoices(round_number, "s", size):
            post(client, "/api/v1/invoices", body)
        single_ms.append((time.perf_counter() - started) * 1000)
        calls.take()
    return {"batch_ms": batch_ms, "single_ms": single_ms, "batch_calls": batch_calls}


def check_stored(rounds: int, size: int) -> int:
    """Every invoice once: 2 x rounds x size made here, plus the warm-up's one."""
    repo = get_deps().ports.repo
    figures = repo.figures(TENANT)
    drafts = int(figures.get("count#DRAFT#EUR", 0))
    expected = 2 * rounds * size + 1
    if drafts != expected:
        raise RuntimeError(f"the figures count {drafts} drafts, not {expected}")
    client = get_deps().dynamodb
    pages = client.get_paginator("query").paginate(
        TableName=os.environ["TABLE_NAME"],
        KeyConditionExpression="PK = :pk AND begins_with(SK, :inv)",
        ExpressionAttributeValues={":pk": {"S": f"T#{TENANT}"}, ":inv": {"S": "INV#"}},
        ProjectionExpression="externalId",
    )
    external_ids = [item.get("externalId", {}).get("S") for page in pages for item in page["Items"]]
    if len(external_ids) != expected or len(set(external_ids)) != expected:
        raise RuntimeError(f"{len(external_ids)} invoices stored, {len(set(external_ids))} ids")
    return expected


def report(result: dict[str, Any], rounds: int, size: int, stored: int) -> str:
    batch, single = statistics.median(result["batch_ms"]), statistics.median(result["single_ms"])
    most_calls = max(len(ops) for ops in result["batch_calls"])
    seen = Counter(" + ".join(ops) for ops in result["batch_calls"]).most_common()
    scans = sum(ops.count("Scan") for ops in result["batch_calls"])
    lines = [
        f"| Measure ({rounds} rounds of {size} invoices, 2 rows each) | Result |",
        "|---|---|",
        f"| DynamoDB calls of one batch (bar: {BATCH_BAR}) | {most_calls}: {seen[0][0]} |",
        f"| Scan | {scans} |",
        f"| Median batch of {size} | {batch:.0f} ms |",
        f"| Median {size} single creates, same rounds | {single:.0f} ms |",
        f"| Batch against singles | {batch / single:.2f}{TIMES} |",
        f"| Stored afterwards | {stored} invoices, each externalId once; figures agree |",
        f"| Python | {sys.version.split()[0]} |",
    ]
    if most_calls > BATCH_BAR or scans:
        lines.append(f"\nMISSED: a batch made {most_calls} calls, {scans} Scans")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--size", type=int, default=100)
    options = parser.parse_args(argv)
    use_local_environment()
    with (
        tempfile.TemporaryDirectory() as scratch,
        run_dynamodb_local(Path(scratch) / "dynamodb-local.log") as endpoint,
    ):
        # botocore reads the service-specific variable: only DynamoDB goes to the JVM.
        os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint
        os.environ["TABLE_NAME"] = table = f"bench-{int(time.time())}"
        dynamodb = boto3.client("dynamodb", endpoint_url=endpoint)
        dynamodb.create_table(**create_table_request(table))
        get_deps.cache_clear()
        from app import app

        with Client(app, stage_name="dev", project_dir=str(PROJECT_DIR)) as client:
            result = measure(client, options.rounds, options.size)
        stored = check_stored(options.rounds, options.size)
    text = report(result, options.rounds, options.size, stored)
    print(text)
    return 1 if "MISSED" in text else 0


if __name__ == "__main__":
    raise SystemExit(main())
