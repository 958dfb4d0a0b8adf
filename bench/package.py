"""Issue 19's package bars: what `make package` would ship for a stage, zipped and unzipped, before
and after invoicing_cli.lambda_package leaves out what the app never reads, the template's size
against what `make deploy` may send, and the heaviest packages left. Prints a Markdown table.

`.venv/bin/python -m bench.package [--stage prod]`"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

from invoicing_cli import lambda_package
from tests.infra.support import chalice_package

MAX_ZIPPED = 25_000_000
MAX_UNZIPPED = 80_000_000
INLINE_TEMPLATE_LIMIT = 51_200
S3_TEMPLATE_LIMIT = 1_000_000


def sizes(path: Path) -> tuple[int, int, Counter[str]]:
    """Zipped bytes, unzipped bytes, and unzipped bytes by top-level name."""
    by_top: Counter[str] = Counter()
    with zipfile.ZipFile(path) as deployment:
        for entry in deployment.infolist():
            by_top[entry.filename.split("/", 1)[0]] += entry.file_size
    return path.stat().st_size, sum(by_top.values()), by_top


def mb(size: int) -> str:
    return f"{size / 1e6:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stage", default="prod")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        chalice_package(work / "build", None, args.stage, lean=False)
        out = work / "build" / "out"
        before = work / "chalice.zip"
        shutil.copy2(out / "deployment.zip", before)
        report = lambda_package.finish(out)
        zipped_before, unzipped_before, _ = sizes(before)
        zipped, unzipped, by_top = sizes(out / "deployment.zip")
        template = (out / "sam.json").stat().st_size
    print(f"### Stage {args.stage}\n")
    print("| | zipped MB | unzipped MB |\n| --- | ---: | ---: |")
    print(f"| `chalice package` alone | {mb(zipped_before)} | {mb(unzipped_before)} |")
    print(f"| after `lambda_package` | {mb(zipped)} | {mb(unzipped)} |")
    print(f"| bar | {mb(MAX_ZIPPED)} | {mb(MAX_UNZIPPED)} |")
    verdict = "meets" if zipped <= MAX_ZIPPED and unzipped <= MAX_UNZIPPED else "MISSES"
    print(f"\nThe zip {verdict} both bars.\n")
    print("| left out | unzipped MB |\n| --- | ---: |")
    for reason, size in report.dropped.most_common():
        print(f"| {reason} | {mb(size)} |")
    print("\n| heaviest left | unzipped MB |\n| --- | ---: |")
    for name, size in by_top.most_common(8):
        print(f"| `{name}` | {mb(size)} |")
    print(
        f"\nTemplate: {template:,} bytes: over the {INLINE_TEMPLATE_LIMIT:,} a template may have "
        f"inline, so `make deploy` sends it through the artifact bucket (limit "
        f"{S3_TEMPLATE_LIMIT:,})."
    )


if __name__ == "__main__":
    main()
