"""Build a stage as `make package` does, and read the template it produces."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from invoicing_cli import lambda_package

REPO = Path(__file__).resolve().parents[2]
MERGE_TEMPLATE = REPO / "infra" / "template.json"
LOCK = REPO / "requirements.lock"
SAM = REPO / ".cache" / "sam-cli" / "bin" / "sam"  # the Makefile's $(SAM)
BIN = Path(sys.executable).parent
STAGE = "prod"
STAGES = ("dev", "prod")
REGION = "eu-west-1"
FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")
POLICY_FILES = sorted((REPO / ".chalice").glob("policy-*.json"))
# Grants on data must name the stack's own resources; anything else could reach other data.
DATA_SERVICES = {"dynamodb": "InvoicesTable", "s3": "DocumentsBucket"}


class PackagingError(Exception):
    """`chalice package` refused the app; the message carries its output."""


@dataclass(frozen=True)
class Package:
    """What `chalice package` leaves in its output folder: sam.json beside deployment.zip."""

    sam_json: Path

    @property
    def zip_path(self) -> Path:
        return self.sam_json.with_name("deployment.zip")

    @cached_property
    def template(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.sam_json.read_text())
        return loaded

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        resources: dict[str, dict[str, Any]] = self.template["Resources"]
        return resources

    def functions(self) -> dict[str, dict[str, Any]]:
        """Each function's properties as SAM deploys them: its own over the Globals section."""
        defaults = self.template.get("Globals", {}).get("Function", {})
        return {
            name: sam_merge(defaults, resource.get("Properties", {}))
            for name, resource in self.resources.items()
            if resource["Type"] in FUNCTION_TYPES
        }

    def policy_documents(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for name, resource in self.resources.items():
            properties = resource.get("Properties", {})
            if resource["Type"] == "AWS::IAM::Role":
                for policy in properties.get("Policies", []):
                    yield name, policy["PolicyDocument"]
            elif resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
                yield name, properties["PolicyDocument"]

    def grants(self, function: str) -> dict[str, set[str]]:
        """What the function's own role allows: each action with the resources it may act on,
        each resource written as its JSON (the intrinsics the policy files use)."""
        role = self.functions()[function]["Role"]["Fn::GetAtt"][0]
        allowed: dict[str, set[str]] = {}
        for policy in self.resources[role]["Properties"].get("Policies", []):
            for statement in _as_list(policy["PolicyDocument"]["Statement"]):
                assert statement["Effect"] == "Allow", statement
                for action in _as_list(statement["Action"]):
                    resources = allowed.setdefault(action, set())
                    resources.update(json.dumps(r) for r in _as_list(statement["Resource"]))
        return allowed


def sam_merge(defaults: Any, own: Any) -> Any:
    """SAM's Globals rule: maps merge key by key, lists concatenate, otherwise the resource wins."""
    if _is_map(defaults) and _is_map(own):
        return {**defaults, **{k: sam_merge(defaults.get(k), v) for k, v in own.items()}}
    if isinstance(defaults, list) and isinstance(own, list):
        return defaults + own
    return own


def _is_map(value: Any) -> bool:
    return isinstance(value, dict) and not _is_intrinsic(value)


def _is_intrinsic(value: Mapping[str, Any]) -> bool:
    key = next(iter(value), "")
    return len(value) == 1 and (key == "Ref" or key.startswith("Fn::"))


def chalice_package(
    work_dir: Path, wheels: Path | None, stage: str = STAGE, *, lean: bool = True
) -> None:
    """Package a copy of the app into work_dir/out as `make package` does (the locked
    requirements, then invoicing_cli.lambda_package), keeping chalice's requirements.txt out of
    the repo. `wheels` keeps chalice's dependency zip between runs (named by a hash of the
    requirements, so a stale one is never used): a cold build spends ~20 s downloading wheels."""
    project = work_dir / "project"
    deployments = project / ".chalice" / "deployments"
    deployments.mkdir(parents=True)
    shutil.copy2(REPO / "app.py", project)
    shutil.copytree(
        REPO / "chalicelib", project / "chalicelib", ignore=shutil.ignore_patterns("__pycache__")
    )
    for config in [REPO / ".chalice" / "config.json", *POLICY_FILES]:
        shutil.copy2(config, project / ".chalice")
    shutil.copy2(LOCK, project / "requirements.txt")
    if wheels is not None:
        _copy_zips(wheels, deployments)
    out = work_dir / "out"
    result = subprocess.run(
        [BIN / "chalice", "package", "--stage", stage, "--merge-template", MERGE_TEMPLATE, out],
        cwd=project,
        env=_offline_aws_environment(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        raise PackagingError(f"{result.stdout}\n{result.stderr}")
    if wheels is not None:
        _copy_zips(deployments, wheels)
    if lean:
        lambda_package.finish(out)


def _copy_zips(source: Path, target: Path) -> None:
    """Make target hold source's zips, each replaced atomically: another run may be reading."""
    fresh = {zipped.name for zipped in source.glob("*.zip")}
    for name in fresh:
        partial = target / f".{name}.{os.getpid()}.partial"
        with contextlib.suppress(FileNotFoundError):
            shutil.copy2(source / name, partial)
            partial.replace(target / name)
    for stale in target.glob("*.zip"):
        if stale.name not in fresh:
            stale.unlink(missing_ok=True)


def _offline_aws_environment() -> dict[str, str]:
    """Packaging needs a region and never an account: fake credentials keep real ones out."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return env | {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }


def wildcard_data_grants(document: Mapping[str, Any]) -> list[str]:
    """Allow statements on DynamoDB or S3 that reach beyond the stack's own table and bucket."""
    statements = document["Statement"]
    problems = []
    for statement in statements if isinstance(statements, list) else [statements]:
        if statement.get("Effect") != "Allow":
            continue
        if "NotAction" in statement or "NotResource" in statement:
            problems.append(f"{statement.get('Sid')}: NotAction/NotResource grants by exclusion")
            continue
        actions = _as_list(statement["Action"])
        resources = _as_list(statement["Resource"])
        for service, owner in DATA_SERVICES.items():
            granted = [a for a in actions if a == "*" or a.lower().startswith(f"{service}:")]
            if not granted:
                continue
            if any("*" in action for action in granted):
                problems.append(f"{statement.get('Sid')}: wildcard action {granted}")
            for resource in resources:
                if resource == "*" or owner not in json.dumps(resource):
                    problems.append(f"{statement.get('Sid')}: {granted} on {resource}")
    return problems


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
