"""The zip `make package` builds: exactly the locked versions, within the bars of issue 19
(25 MB zipped, 80 MB unzipped), and still whole: with only the zip and the standard library on
sys.path the app imports, renders PDFs and serves /docs (decision 0041)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.infra.support import LOCK, REPO, Package

MAX_ZIPPED = 25_000_000  # bytes
MAX_UNZIPPED = 80_000_000
SMOKE = Path(__file__).with_name("zip_smoke.py")
_PIN = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+) \\$", re.MULTILINE)


def locked() -> dict[str, str]:
    return {canonicalize_name(name): version for name, version in _PIN.findall(LOCK.read_text())}


def test_the_zip_is_within_25_mb_and_80_mb_unzipped(package: Package) -> None:
    zipped = package.zip_path.stat().st_size
    with zipfile.ZipFile(package.zip_path) as deployment:
        unzipped = sum(entry.file_size for entry in deployment.infolist())
    assert zipped <= MAX_ZIPPED, f"{zipped / 1e6:.1f} MB zipped"
    assert unzipped <= MAX_UNZIPPED, f"{unzipped / 1e6:.1f} MB unzipped"


def test_only_the_zip_and_the_standard_library_import_the_app_render_pdfs_and_serve_docs(
    unpacked: Path,
) -> None:
    result = subprocess.run(
        [sys.executable, "-I", "-S", SMOKE, unpacked],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["outside_the_zip"] == []
    assert all(size > 1000 for size in answer["pdf_bytes"].values())
    assert answer["docs_status"] == 200
    assert len(answer["assets"]) == 3
    assert set(answer["assets"].values()) == {200}
    assert answer["clients"] == ["dynamodb", "events", "s3", "ses", "sqs"]


def test_every_locked_requirement_is_pinned_with_hashes() -> None:
    blocks = re.split(r"\n(?=[A-Za-z0-9])", LOCK.read_text().split("\n\n", 1)[-1].strip())
    requirements = [block for block in blocks if not block.startswith("#")]
    assert requirements
    for block in requirements:
        assert _PIN.match(block), block.splitlines()[0]
        assert "--hash=sha256:" in block, block.splitlines()[0]


def test_the_lock_satisfies_every_runtime_dependency_of_pyproject() -> None:
    """A dependency added to pyproject.toml without `make lock` would never reach the zip."""
    pins = locked()
    dependencies = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    for line in dependencies:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements.lock: run make lock"
        assert requirement.specifier.contains(pins[name], prereleases=True), (name, pins[name])


def test_the_zip_holds_exactly_the_locked_versions(package: Package) -> None:
    with zipfile.ZipFile(package.zip_path) as deployment:
        shipped = {
            canonicalize_name(match[1]): match[2]
            for name in deployment.namelist()
            if (match := re.fullmatch(r"([^/]+)-([^-/]+)\.dist-info/METADATA", name))
        }
    assert shipped == locked()
