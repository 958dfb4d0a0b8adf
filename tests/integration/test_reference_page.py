"""GET /docs and the files it names, through the app: no credential, every URL relative to the page
(so it works under a stage prefix and behind a proxy), a Content-Security-Policy of this origin
only, the right content types, files named by their content and cached for good, read on first use
and never at import. tests/e2e/test_reference_page.py looks at the page in Chromium."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from chalicelib.api.reference import digest_named, reference_files
from tests.integration.test_call_budget import printed_by_a_fresh_process
from tests.support import Api


class NamedUrls(HTMLParser):
    """Every URL a page names: src, href and the spec's data-spec, with inline code noted."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: dict[str, list[str]] = {}
        self.inline: list[str] = []
        self._in_script_without_src = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        for attribute in ("src", "href", "data-spec"):
            if named.get(attribute):
                self.urls.setdefault(attribute, []).append(str(named[attribute]))
        if "style" in named or any(name.startswith("on") for name in named) or tag == "style":
            self.inline.append(tag)
        self._in_script_without_src = tag == "script" and "src" not in named

    def handle_data(self, data: str) -> None:
        if self._in_script_without_src and data.strip():
            self.inline.append("script")

    def handle_endtag(self, tag: str) -> None:
        self._in_script_without_src = False

    def every_url(self) -> list[str]:
        return [url for urls in self.urls.values() for url in urls]


def page_urls(api: Api) -> NamedUrls:
    reply = api.get("/docs")
    assert reply.status == 200, reply.body
    parsed = NamedUrls()
    parsed.feed(reply.body.decode())
    return parsed


def page_files(api: Api) -> list[str]:
    return [url for url in page_urls(api).every_url() if url.startswith("docs/")]


def test_the_page_answers_html_without_a_credential(api: Api) -> None:
    reply = api.get("/docs")
    assert reply.status == 200, reply.body
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
    assert reply.headers["Cache-Control"] == "no-cache"
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["Referrer-Policy"] == "no-referrer"
    assert b"<title>Invoicing API reference</title>" in reply.body


def test_every_url_the_page_names_is_relative_to_it(api: Api) -> None:
    parsed = page_urls(api)
    assert parsed.urls["data-spec"] == ["openapi.json"]
    absolute = [
        url for url in parsed.every_url() if url.startswith("/") or re.match(r"[a-z]+://", url)
    ]
    assert absolute == []
    assert len(page_files(api)) == 3  # Swagger UI's script and stylesheet, and our start


def test_the_page_runs_nothing_inline_and_its_policy_allows_only_this_origin(api: Api) -> None:
    assert page_urls(api).inline == []
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in api.get("/docs").headers["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["connect-src"] == "'self'"
    assert policy["img-src"] == "'self' data:"  # Swagger UI's icons are data: URIs in its CSS
    assert policy["frame-ancestors"] == "'none'"


def test_each_file_the_page_names_answers_its_type_and_is_kept_for_good(api: Api) -> None:
    types = {"js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8"}
    for url in page_files(api):
        reply = api.get(f"/{url}")
        assert reply.status == 200, url
        assert reply.headers["Content-Type"] == types[url.rsplit(".", 1)[-1]], url
        assert reply.headers["Cache-Control"] == "public, max-age=31536000, immutable", url
        assert reply.headers["X-Content-Type-Options"] == "nosniff", url
        assert len(reply.body) > 500, url
        assert b"sourceMappingURL" not in reply.body, url  # the maps are not served


def test_the_script_is_swagger_ui_5_which_reads_openapi_3_1(api: Api) -> None:
    bundle = next(url for url in page_files(api) if "swagger-ui-bundle" in url)
    assert b"SwaggerUIBundle" in api.get(f"/{bundle}").body
    assert b'oasVersion:"3.1"' in api.get(f"/{bundle}").body


@pytest.mark.parametrize(
    "name",
    ["swagger-ui-bundle.js", "swagger-ui.css", "index.html", "..%2Freference.py", "favicon.png"],
)
def test_a_file_the_page_does_not_name_is_not_found(api: Api, name: str) -> None:
    reply = api.get(f"/docs/{name}")
    assert reply.status == 404
    assert reply.json()["detail"] == "No such file of the API reference page"


def test_docs_with_a_trailing_slash_moves_to_docs_relatively(api: Api) -> None:
    reply = api.get("/docs/")
    assert (reply.status, reply.headers["Location"]) == (301, "../docs")


def test_a_file_name_changes_with_its_content() -> None:
    first, second = digest_named("swagger-ui.css", "a"), digest_named("swagger-ui.css", "b")
    assert re.fullmatch(r"swagger-ui\.[0-9a-f]{12}\.css", first)
    assert first != second
    assert digest_named("swagger-ui.css", "a") == first


def test_the_files_are_read_once_on_first_use(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[str] = []
    read_text = Path.read_text

    def counted(path: Path, *args: Any, **kwargs: Any) -> str:
        reads.append(path.name)
        return read_text(path, *args, **kwargs)

    reference_files.cache_clear()
    monkeypatch.setattr(Path, "read_text", counted)
    for _ in range(3):
        for url in ["docs", *page_files(api)]:
            assert api.get(f"/{url}").status == 200, url
    assert sorted(reads) == [
        "reference.html",
        "reference.js",
        "swagger-ui-bundle.js",
        "swagger-ui.css",
    ]


def test_importing_the_app_reads_none_of_the_files() -> None:
    probe = (
        "import sys, app\n"
        "from chalicelib.api.reference import reference_files\n"
        "print('swagger_ui_bundle' in sys.modules, reference_files.cache_info().misses)\n"
    )
    assert printed_by_a_fresh_process(probe).split() == ["False", "0"]
