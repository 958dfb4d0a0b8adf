"""Each stage packaged once per run, as `make package` packages it: xdist workers share one build
of each instead of each downloading wheels; its lint findings and its unpacked zip are shared
too."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.infra.support import (
    BIN,
    REGION,
    SAM,
    STAGES,
    Package,
    PackagingError,
    chalice_package,
)


@pytest.fixture(scope="session")
def packages(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> dict[str, Package]:
    cache = getattr(request.config, "cache", None)
    wheels = cache.mkdir("invoicing-chalice-deployments") if cache is not None else None
    return {stage: _shared_build(tmp_path_factory, wheels, stage) for stage in STAGES}


@pytest.fixture(scope="session")
def package(packages: dict[str, Package]) -> Package:
    """The prod stage, which the README documents."""
    return packages["prod"]


def _shared_build(
    tmp_path_factory: pytest.TempPathFactory, wheels: Path | None, stage: str
) -> Package:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        built = tmp_path_factory.mktemp(f"infra-{stage}")
        _build(built, wheels, stage)
        return Package(built / "out" / "sam.json")
    run_dir = tmp_path_factory.getbasetemp().parent  # this run's directory, shared by its workers
    built = run_dir / f"infra-package-{stage}"
    with (run_dir / f"infra-package-{stage}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not built.exists():
            scratch = run_dir / f"infra-package-{stage}-{worker}"
            _build(scratch, wheels, stage)
            scratch.rename(built)  # only a complete build takes the shared name
    return Package(built / "out" / "sam.json")


def _build(work_dir: Path, wheels: Path | None, stage: str) -> None:
    try:
        chalice_package(work_dir, wheels, stage)
    except PackagingError as exc:
        pytest.fail(f"chalice package --stage {stage} failed:\n{exc}")


@pytest.fixture(scope="session")
def cfn_lint_findings(packages: dict[str, Package]) -> list[dict[str, Any]]:
    """cfn-lint with every rule, informational ones included, on both stages at once, as
    `make package` runs it: a green test means a green `make package`."""
    result = subprocess.run(
        [
            BIN / "cfn-lint",
            "--include-checks",
            "I",
            "--format",
            "json",
            "--",
            *(package.sam_json for package in packages.values()),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    findings: list[dict[str, Any]] = json.loads(result.stdout or "[]")
    if result.returncode != 0 and not findings:
        pytest.fail(f"cfn-lint failed without findings:\n{result.stderr}")
    return findings


@pytest.fixture(scope="session")
def unpacked(package: Package, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("unpacked")
    with zipfile.ZipFile(package.zip_path) as deployment:
        deployment.extractall(target)
    return target


def sam_validate(package: Package) -> subprocess.CompletedProcess[str]:
    if not SAM.exists():
        pytest.fail(f"{SAM} is missing: `make sam-cli` (make test and make infra install it)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "SAM_CLI_TELEMETRY": "0",
    }
    return subprocess.run(
        [SAM, "validate", "--lint", "--template-file", package.sam_json],
        cwd=package.sam_json.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
