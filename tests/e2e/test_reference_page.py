"""The reference at /docs in headless Chromium, from the local stack, seen as a deployment serves
it (a host name of its own, a stage prefix): every operation of the OpenAPI document listed, the
console clean, and nothing fetched from anywhere but that stage (no CDN, no online validator), so
it works offline, under API Gateway's stage and behind a proxy."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import playwright.sync_api
import pytest
import requests

from tests import local_stack
from tests.local_stack import Stack
from tests.reference_page import (
    PUBLIC_ORIGIN,
    STAGE,
    ChromiumMissingError,
    ListedOperation,
    RenderedReference,
    browsing,
    chromium_executable,
    render_reference,
)

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Rendered:
    seen: RenderedReference
    screenshot: Path


@pytest.fixture(scope="module")
def chromium() -> str:
    try:
        return chromium_executable()
    except ChromiumMissingError as exc:
        # Failing, never skipping: CI must not pass without having looked at the page.
        raise pytest.fail.Exception(str(exc), pytrace=False) from None


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with local_stack.running(tmp_path_factory.mktemp("stack")) as running:
        yield running


@pytest.fixture(scope="module")
def rendered(chromium: str, stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    screenshot = tmp_path_factory.mktemp("reference") / "reference.png"
    return Rendered(render_reference(stack.url, screenshot=screenshot), screenshot)


def documented_operations(stack: Stack) -> set[ListedOperation]:
    document = requests.get(f"{stack.url}/openapi.json", timeout=30).json()
    return {
        ListedOperation(method.upper(), path, operation["operationId"])
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }


def test_every_operation_of_the_document_is_listed_once(rendered: Rendered, stack: Stack) -> None:
    listed = rendered.seen.operations
    documented = documented_operations(stack)
    assert len(documented) > 60
    assert len(listed) == len(set(listed)), "an operation listed twice"
    assert set(listed) - documented == set(), "listed, not documented"
    assert documented - set(listed) == set(), "documented, not listed"


def test_the_console_shows_no_error(rendered: Rendered) -> None:
    assert rendered.seen.console_errors == []


def test_everything_comes_from_the_stage_the_page_is_under(
    rendered: Rendered, stack: Stack
) -> None:
    assert rendered.seen.refused == []
    paths = {url.removeprefix(PUBLIC_ORIGIN) for url in rendered.seen.requested}
    assert {f"{STAGE}/docs", f"{STAGE}/openapi.json"} <= paths
    files = {path for path in paths if path.startswith(f"{STAGE}/docs/")}
    assert sorted(path.rsplit(".", 1)[-1] for path in files) == ["css", "js", "js"]
    assert len(paths) == 5


def test_the_page_was_painted(rendered: Rendered) -> None:
    assert rendered.screenshot.read_bytes().startswith(b"\x89PNG")
    assert rendered.screenshot.stat().st_size > 20_000  # a blank page is a few kilobytes


def test_the_watch_catches_a_request_elsewhere_and_a_console_error(
    chromium: str, stack: Stack
) -> None:
    """What the tests above rely on: a CDN, the API's host outside the stage, or the server
    itself, is refused and recorded; an error in the console is heard."""
    elsewhere = [
        "https://cdn.example/swagger-ui-bundle.js",
        f"{PUBLIC_ORIGIN}/openapi.json",
        f"{stack.url}/openapi.json",
    ]
    with browsing(stack.url) as (page, seen):
        page.evaluate("console.error('heard')")
        for url in elsewhere:
            with contextlib.suppress(playwright.sync_api.Error):
                page.goto(url)
    assert seen.refused == elsewhere
    assert "heard" in seen.console_errors
