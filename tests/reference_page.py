"""The API reference at /docs as a person's browser shows it: Debian's Chromium, headless, driven by
Playwright, opening the page as a deployment serves it, at a host name of its own under a stage
prefix (http://api.invoicing.test/prod/docs), every request for that stage passed to the server
here without the prefix, and every other request refused and recorded. The e2e tier asserts on
what it saw; run as a script, it saves the screenshot in docs/:

    .venv/bin/python -m tests.reference_page docs/api-reference.png
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import ConsoleMessage, Error, Page, Route, sync_playwright

CHROMIUM_VARIABLE = "CHROMIUM"
# Where the browser believes the API is: a host name of its own, as a deployment has, that
# resolves nowhere (.test is reserved); not the server's loopback address, which browsers and
# Swagger UI treat as special (a secure context; no online validator badge).
PUBLIC_ORIGIN = "http://api.invoicing.test"
STAGE = "/prod"
RENDER_SECONDS = 60  # a ceiling for a loaded CI machine; it takes about 3 s
# Swagger UI has drawn its operations, or said why it cannot (such as a document not found).
RENDERED = ".opblock, .errors-wrapper"
# Anything Chromium would send past the page's routing (such as where a redirect leads, which
# routing does not see) goes to a proxy that is not there; only loopback is reached directly.
NOWHERE = "http://127.0.0.1:9"
LOOPBACK = "127.0.0.1"


class ChromiumMissingError(RuntimeError):
    pass


@dataclass(frozen=True)
class ListedOperation:
    method: str
    path: str
    operation_id: str


@dataclass
class RenderedReference:
    """What the browser did and showed: the requests it sent (as the page named them), those
    refused, the console's errors, and the operations the page lists."""

    requested: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    operations: list[ListedOperation] = field(default_factory=list)

    def console_said(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def page_failed(self, error: Error) -> None:
        self.console_errors.append(f"uncaught: {error}")


def chromium_executable() -> str:
    """Debian's Chromium (`make chromium` installs it), or the one CHROMIUM names."""
    named = os.environ.get(CHROMIUM_VARIABLE) or shutil.which("chromium")
    if named is None or not Path(named).exists():
        raise ChromiumMissingError(
            "Chromium not found: `make chromium` installs Debian's package (apt-get install"
            f" chromium), or set {CHROMIUM_VARIABLE} to a Chromium executable"
        )
    return named


@contextmanager
def browsing(server: str) -> Iterator[tuple[Page, RenderedReference]]:
    """A page in headless Chromium whose requests under PUBLIC_ORIGIN + STAGE go to `server`
    without the prefix (as API Gateway passes them on), and no others anywhere; what it did is
    recorded as it happens."""
    seen = RenderedReference()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_executable(),
            proxy={"server": NOWHERE, "bypass": LOOPBACK},
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", seen.console_said)
            page.on("pageerror", seen.page_failed)
            page.route("**/*", lambda route: _within_stage(route, server, seen))
            yield page, seen
        finally:
            browser.close()


def render_reference(server: str, screenshot: Path | None = None) -> RenderedReference:
    """Open the reference served by `server` and wait until it lists its operations."""
    with browsing(server) as (page, seen):
        page.goto(f"{PUBLIC_ORIGIN}{STAGE}/docs")
        page.wait_for_selector(RENDERED, timeout=RENDER_SECONDS * 1000)
        page.wait_for_load_state("networkidle")
        seen.operations = [ListedOperation(**o) for o in page.evaluate(_LISTED_OPERATIONS)]
        if screenshot is not None:
            page.screenshot(path=screenshot)
    return seen


def _within_stage(route: Route, server: str, seen: RenderedReference) -> None:
    url = route.request.url
    seen.requested.append(url)
    if not url.startswith(f"{PUBLIC_ORIGIN}{STAGE}/"):
        seen.refused.append(url)
        route.abort("blockedbyclient")
        return
    # Fetched here and answered to the page as from its own URL, as a proxy does (continuing
    # the request to another host would make the page see that host as its origin).
    upstream = server + url.removeprefix(f"{PUBLIC_ORIGIN}{STAGE}")
    route.fulfill(response=route.fetch(url=upstream, max_redirects=0))


# Each operation as Swagger UI draws it: its method's badge, its path, its operationId.
_LISTED_OPERATIONS = """
() => [...document.querySelectorAll(".opblock")].map((block) => ({
  method: block.querySelector(".opblock-summary-method").textContent.trim(),
  path: block.querySelector(".opblock-summary-path").dataset.path,
  operation_id: block.querySelector(".opblock-summary-operation-id").textContent.trim(),
}))
"""


def main(screenshot: Path) -> None:
    """Start the local stack, open its reference, save what the browser shows."""
    from tests import local_stack

    with (
        tempfile.TemporaryDirectory() as directory,
        local_stack.running(Path(directory)) as stack,
    ):
        seen = render_reference(stack.url, screenshot=screenshot)
    if seen.refused or seen.console_errors:
        sys.exit(f"refused {seen.refused}, console errors {seen.console_errors}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
