"""The README's five-minute tour, run as written against `invoicing serve`: a newcomer who pastes
it gets what it says (a client, an invoice of 1,606.50 EUR issued as INV-…, paid, its PDF)."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from tests import local_stack
from tests.figures import exact_json
from tests.local_stack import BIN, Stack

pytestmark = pytest.mark.e2e
README = Path(__file__).parents[2] / "README.md"
TENANT = "readme-tour"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with local_stack.running(tmp_path_factory.mktemp("tour"), jobs_every=0) as running:
        yield running


def the_tour() -> str:
    """The first shell block under "A five-minute tour"."""
    text = README.read_text(encoding="utf-8")
    tour = text[text.index("## A five-minute tour") :]
    found = re.search(r"```sh\n(.*?)```", tour, re.DOTALL)
    assert found, "the README's tour has no shell block"
    return found.group(1)


def test_the_readme_tour_works_as_written(stack: Stack, tmp_path: Path) -> None:
    script = (
        the_tour()
        .replace("http://127.0.0.1:8000", stack.url)
        .replace(".venv/bin/invoicing", str(BIN / "invoicing"))
        .replace("--tenant acme", f"--tenant {TENANT}")
    )
    ran = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr + ran.stdout
    assert (tmp_path / "invoice.pdf").read_bytes().startswith(b"%PDF-")
    auth = stack.auth(TENANT)
    [invoice] = exact_json(
        requests.get(f"{stack.url}/api/v1/invoices/find-all", headers=auth, timeout=10).text
    )
    assert (invoice["status"], invoice["totalWithTax"], invoice["paid"]) == (
        "PAID", Decimal("1606.50"), Decimal("1606.50")
    )  # fmt: skip
    assert re.fullmatch(r"INV-\d{4}-0001", invoice["invoiceNumber"])
    assert invoice["client"]["name"] == "Zoe GmbH" and invoice["pdf"] is not None
    # The tour's last line printed the stats: one paid invoice of 1,606.50.
    stats = exact_json(ran.stdout[ran.stdout.rindex('{"countByStatus"') :])
    assert (stats["countByStatus"]["PAID"], stats["totalPaid"]) == (1, Decimal("1606.50"))
    # Another tenant sees none of it.
    other = stack.auth("readme-other")
    assert (
        requests.get(f"{stack.url}/api/v1/invoices/find-all", headers=other, timeout=10).json()
        == []
    )
