"""GET /docs: the API reference for people, Swagger UI rendering GET /openapi.json, served by the
app itself from the swagger-ui-bundle-v2 package so that it works offline and behind any proxy
(decision 0039).

The page and its files are described in the OpenAPI document like every other route (as HTML,
JavaScript and CSS answers) and need no credential (security.PUBLIC_PATHS)."""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from string import Template

from chalice.app import Response

from chalicelib.api.operations import Answer, Operation
from chalicelib.api.problems import HttpError
from chalicelib.api.routing import ApiBlueprint

reference = ApiBlueprint(__name__)

STATIC = Path(__file__).parent / "static"
# Only what the page loads, by its role in reference.html: the package ships Swagger UI's whole
# dist (source maps, other builds, the standalone layout with its URL bar).
SWAGGER_UI_FILES = {"bundle": "swagger-ui-bundle.js", "stylesheet": "swagger-ui.css"}
OWN_FILES = {"start": "reference.js"}
HTML = "text/html"
JAVASCRIPT = "text/javascript"
CSS = "text/css"
CONTENT_TYPES = {".js": f"{JAVASCRIPT}; charset=utf-8", ".css": f"{CSS}; charset=utf-8"}
# Swagger UI draws its icons from data: URIs in its stylesheet; all else comes from this origin.
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# A file's name carries a digest of its content, so a browser may keep it for good.
ASSET_CACHING = "public, max-age=31536000, immutable"
# The page is small and names the files of this deployment: asked for again on every visit.
PAGE_CACHING = "no-cache"
# The maps are not served, so the stylesheet's pointer to its map would only be a dead link.
_SOURCE_MAP = re.compile(r"\s*/\*# sourceMappingURL=\S+\s*\*/\s*$")


@dataclass(frozen=True)
class Asset:
    content: str
    content_type: str


@dataclass(frozen=True)
class ReferenceFiles:
    page: str
    assets: dict[str, Asset]  # by the digest-bearing name the page uses


@reference.route(
    "/docs",
    methods=["GET"],
    operation=Operation(
        "getReferencePage",
        "This API's reference, rendered for people (Swagger UI)",
        (
            Answer(200, "The page; no credential needed", {HTML: str}),
            Answer(301, "Asked as /docs/: the page is at /docs", headers=("Location",)),
        ),
    ),
)
def get_reference_page() -> Response:
    """The page. API Gateway routes /docs/ here too, where the page's relative names would
    resolve one level too deep: that address is sent to /docs (relatively, for any prefix)."""
    if str(reference.current_request.context.get("path", "")).endswith("/"):
        return Response(body="", status_code=301, headers={"Location": "../docs"})
    return Response(
        body=reference_files().page,
        status_code=200,
        headers={
            "Content-Type": "text/html; charset=utf-8",
            "Content-Security-Policy": PAGE_POLICY,
            "Cache-Control": PAGE_CACHING,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


@reference.route(
    "/docs/{asset}",
    methods=["GET"],
    operation=Operation(
        "getReferenceAsset",
        "A script or stylesheet the reference page names (its name carries its digest)",
        (Answer(200, "The file, to keep for good", {JAVASCRIPT: str, CSS: str}),),
        refuses=(404,),
    ),
)
def get_reference_asset(asset: str) -> Response:
    """One of the files the page names, or 404."""
    found = reference_files().assets.get(asset)
    if found is None:
        raise HttpError(404, "No such file of the API reference page")
    return Response(
        body=found.content,
        status_code=200,
        headers={
            "Content-Type": found.content_type,
            "Cache-Control": ASSET_CACHING,
            "X-Content-Type-Options": "nosniff",
        },
    )


@functools.cache
def reference_files() -> ReferenceFiles:
    """Read on the first request for the page or a file, never at import (cold starts), then kept
    for the life of the process."""
    from swagger_ui_bundle import swagger_ui_path

    sources = {role: Path(swagger_ui_path) / name for role, name in SWAGGER_UI_FILES.items()}
    sources |= {role: STATIC / name for role, name in OWN_FILES.items()}
    names: dict[str, str] = {}
    assets: dict[str, Asset] = {}
    for role, source in sources.items():
        content = _SOURCE_MAP.sub("\n", source.read_text(encoding="utf-8"))
        names[role] = digest_named(source.name, content)
        assets[names[role]] = Asset(content, CONTENT_TYPES[source.suffix])
    page = Template((STATIC / "reference.html").read_text(encoding="utf-8")).substitute(names)
    return ReferenceFiles(page, assets)


def digest_named(name: str, content: str) -> str:
    """swagger-ui.css as swagger-ui.3f0c1a2b4d5e.css: a new content is a new name."""
    stem, _, suffix = name.rpartition(".")
    digest = hashlib.sha256(content.encode()).hexdigest()[:12]
    return f"{stem}.{digest}.{suffix}"
