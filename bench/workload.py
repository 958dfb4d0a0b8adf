"""What the endpoint benchmark sends: the tenant it acts as, its seeded invoices, the bodies it
writes, and one case per measured endpoint."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalice.test import Client

from bench.harness import Call, json_call, send_json

TENANT = "bench-acme"
OTHER_TENANT = "bench-globex"
API = "/api/v1/invoices"


@dataclass(frozen=True)
class Bench:
    """The app behind the test client, as the benchmark's tenant, with its seeded invoices."""

    client: Client
    rng: random.Random
    auth: dict[str, str]
    ids: list[str]

    def pick(self, i: int) -> str:
        return self.ids[i % len(self.ids)]

    def send(self, call: Call) -> Any:
        """An untimed request (setup before timing starts); fails loudly if it is refused."""
        return send_json(self.client, call)

    def fresh_invoice(self) -> dict[str, Any]:
        """A new draft for a destructive request, created before timing starts."""
        created: dict[str, Any] = self.send(
            json_call("POST", API, invoice_body(self.rng), headers=self.auth, expected_status=201)
        )
        return created


@dataclass(frozen=True)
class Case:
    endpoint: str
    bar: int
    calls: Callable[[Bench, int], list[Call]]


def row_body(rng: random.Random) -> dict[str, Any]:
    return {
        "description": f"Consulting, day {rng.randint(1, 31)}",
        "quantity": rng.randint(1, 8),
        "unitPrice": rng.choice([150, 99.5, 1200, 12.25]),
        "taxRate": rng.choice([0, 10, 20]),
    }


def invoice_body(rng: random.Random) -> dict[str, Any]:
    rows = [row_body(rng) for _ in range(rng.randint(5, 10))]
    return {"currency": "EUR", "paymentTermDays": 30, "rows": rows}
