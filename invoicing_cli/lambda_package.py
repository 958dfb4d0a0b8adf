"""The last step of `make package`: Chalice has no way to leave files out of its zip, so this
rewrites build/<stage>/deployment.zip without what the app never reads at run time (decision
0041), and points API Gateway at the API function's published alias, which SnapStart needs
(decision 0043). `python -m invoicing_cli.lambda_package build/prod`."""

from __future__ import annotations

import json
import re
import sys
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chalicelib.api import reference
from chalicelib.domain.languages import SUPPORTED_LANGUAGES

# botocore's models for the services the app calls (store/), and STS, which a credential chain
# may need; every other model (some 400 services) is never loaded.
BOTOCORE_SERVICES = frozenset({"dynamodb", "events", "s3", "ses", "sqs", "sts"})
# Babel's CLDR data for the languages documents are written in (the settings refuse any other),
# each with all its regional variants.
BABEL_LANGUAGES = SUPPORTED_LANGUAGES
# Swagger UI's files that GET /docs serves, as the page names them.
SWAGGER_UI_FILES = frozenset(reference.SWAGGER_UI_FILES.values())
# fontTools' font-building and conversion tools: fpdf2 reads and subsets fonts, it builds none.
FONTTOOLS_UNUSED = ("cu2qu", "qu2cu", "ufoLib", "voltLib", "mtiLib", "merge")
# fontTools' Cython builds are optional speed-ups of modules shipped beside them as Python (curve
# maths, variable-font deltas, the feature-file lexer): subsetting a TrueType font calls none.
FONTTOOLS_COMPILED = re.compile(r"fontTools/.+\.cpython-[^/]*\.so|fontTools/.+\.c")
# Pillow's extensions for AVIF (logos are PNG, JPEG, GIF or WebP) and for drawing text (fpdf2
# draws text itself), with the libraries only they load.
PILLOW_UNUSED = (
    re.compile(r"PIL/_(avif|imagingft|imagingtk)\.[^/]*\.so"),
    re.compile(r"pillow\.libs/lib(avif|freetype|harfbuzz|brotlicommon|brotlidec|png16)-[^/]*"),
)
API_FUNCTION = "APIHandler"
ALIAS = "live"  # infra/template.json Globals.Function.AutoPublishAlias


@dataclass(frozen=True)
class Rule:
    reason: str
    matches: Callable[[str], bool]


def _botocore_model(name: str) -> bool:
    parts = name.split("/")
    return (
        len(parts) > 3 and parts[:2] == ["botocore", "data"] and parts[2] not in BOTOCORE_SERVICES
    )


def _babel_locale(name: str) -> bool:
    prefix = "babel/locale-data/"
    if not name.startswith(prefix) or not name.endswith(".dat"):
        return False
    locale = name.removeprefix(prefix).removesuffix(".dat")
    return locale != "root" and locale.split("_")[0] not in BABEL_LANGUAGES


def _swagger_extra(name: str) -> bool:
    return (
        name.startswith("swagger_ui_bundle/vendor/")
        and not name.endswith("/")
        and (name.rsplit("/", 1)[-1] not in SWAGGER_UI_FILES)
    )


def _fonttools_tool(name: str) -> bool:
    parts = name.split("/")
    return parts[0] == "fontTools" and (
        parts[1].removesuffix(".py") in FONTTOOLS_UNUSED
        or FONTTOOLS_COMPILED.fullmatch(name) is not None
    )


RULES = (
    Rule("botocore models of services the app never calls", _botocore_model),
    Rule(
        "pycountry's translations (schwifty reads only the codes)",
        lambda n: n.startswith("pycountry/locales/"),
    ),
    Rule("Babel locales outside the supported languages", _babel_locale),
    Rule("Swagger UI files GET /docs does not serve", _swagger_extra),
    Rule("fontTools' font-building tools and compiled speed-ups", _fonttools_tool),
    Rule(
        "Pillow's AVIF and text-drawing extensions",
        lambda n: any(p.fullmatch(n) for p in PILLOW_UNUSED),
    ),
    Rule(
        "dnspython: email-validator's deliverability check, which the app never asks for",
        (lambda n: n.startswith("dns/")),
    ),
    Rule("bytecode compiled on the build machine", lambda n: "__pycache__/" in n),
)


@dataclass
class PruneReport:
    kept_entries: int = 0
    kept_bytes: int = 0  # unzipped
    dropped: Counter[str] = field(default_factory=Counter)  # unzipped bytes, by rule

    @property
    def dropped_bytes(self) -> int:
        return sum(self.dropped.values())


def reason_to_drop(name: str) -> str | None:
    return next((rule.reason for rule in RULES if rule.matches(name)), None)


def prune_zip(path: Path) -> PruneReport:
    """Rewrite the zip at `path` without what RULES name, at the highest compression; entries
    keep their order, dates and permissions (the shared libraries' executable bits)."""
    report = PruneReport()
    partial = path.with_name(f".{path.name}.partial")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(partial, "w") as target:
        for info in source.infolist():
            reason = reason_to_drop(info.filename)
            if reason is not None:
                report.dropped[reason] += info.file_size
                continue
            target.writestr(
                info,
                source.read(info),
                compress_type=zipfile.ZIP_DEFLATED,
                compresslevel=9,
            )
            report.kept_entries += 1
            report.kept_bytes += info.file_size
    partial.replace(path)
    return report


def alias_id(function: str = API_FUNCTION) -> str:
    """The logical id SAM gives the alias AutoPublishAlias creates: <function>Alias<alias>."""
    return f"{function}Alias{ALIAS}"


def invoke_through_alias(template: dict[str, Any], function: str = API_FUNCTION) -> int:
    """Make API Gateway call the function's alias (SAM's AutoPublishAlias) instead of its
    unpublished $LATEST, which SnapStart never restores: Chalice writes `${APIHandler.Arn}`
    into every route's integration and names the function in the invoke permission. Returns
    the routes changed."""
    alias = alias_id(function)
    resources = template["Resources"]
    body = resources["RestAPI"]["Properties"]["DefinitionBody"]
    changed = 0
    for integration in _integrations(body):
        uri = integration["uri"]["Fn::Sub"]
        new = uri.replace(f"${{{function}.Arn}}", f"${{{alias}}}")
        changed += new != uri
        integration["uri"]["Fn::Sub"] = new
    permission = resources[f"{function}InvokePermission"]["Properties"]
    permission["FunctionName"] = {"Ref": alias}
    return changed


def _integrations(body: dict[str, Any]) -> Iterable[dict[str, Any]]:
    for operations in body.get("paths", {}).values():
        for operation in operations.values():
            integration = operation.get("x-amazon-apigateway-integration")
            if isinstance(integration, dict) and isinstance(integration.get("uri"), dict):
                yield integration


def finish(out_dir: Path) -> PruneReport:
    """What `make package` does after `chalice package` wrote `out_dir`."""
    sam_json = out_dir / "sam.json"
    template = json.loads(sam_json.read_text())
    invoke_through_alias(template)
    sam_json.write_text(json.dumps(template, indent=2) + "\n")
    return prune_zip(out_dir / "deployment.zip")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m invoicing_cli.lambda_package build/<stage>", file=sys.stderr)
        return 2
    out_dir = Path(argv[0])
    report = finish(out_dir)
    zipped = (out_dir / "deployment.zip").stat().st_size
    print(
        f"{out_dir}/deployment.zip: {zipped / 1e6:.1f} MB zipped, "
        f"{report.kept_bytes / 1e6:.1f} MB unzipped; left out {report.dropped_bytes / 1e6:.1f} MB:"
    )
    for reason, size in report.dropped.most_common():
        print(f"  {size / 1e6:6.1f} MB  {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
