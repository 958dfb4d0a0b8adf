"""`make deploy` can set every template parameter, infra/README.md documents each one with the
make variable that sets it and its default, lists every output, and `make help` names every
public target (issue 19)."""

from __future__ import annotations

import json
import re

from tests.infra.support import MERGE_TEMPLATE, REPO, Package

README = (REPO / "infra" / "README.md").read_text()
MAKEFILE = (REPO / "Makefile").read_text()
TEMPLATE = json.loads(MERGE_TEMPLATE.read_text())
INLINE_TEMPLATE_LIMIT = 51_200  # bytes `aws cloudformation deploy` sends without --s3-bucket
S3_TEMPLATE_LIMIT = 1_000_000  # bytes CloudFormation reads from S3


def _section(title: str) -> str:
    return README.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def _readme_parameters() -> dict[str, tuple[str, str]]:
    """parameter: (make variable, default) from the README's table."""
    rows = re.findall(r"^\| `(\w+)` \| `(\w+)` \| ([^|]+) \|", _section("Parameters"), re.M)
    return {name: (variable, default.strip()) for name, variable, default in rows}


def _make_parameters() -> dict[str, str]:
    """parameter: make variable, as the deploy target passes them."""
    deploy = MAKEFILE.split("deploy: DEPLOY_PARAMETERS =", 1)[1].split("\ndeploy:", 1)[0]
    return dict(re.findall(r"'(\w+)=\$\((\w+)\)'", deploy))


def test_make_deploy_can_set_every_template_parameter() -> None:
    assert set(_make_parameters()) == set(TEMPLATE["Parameters"])


def test_the_readme_documents_every_parameter_with_its_make_variable_and_default() -> None:
    documented = _readme_parameters()
    assert set(documented) == set(TEMPLATE["Parameters"])
    make = _make_parameters()
    for name, (variable, default) in documented.items():
        assert variable == make[name], name
        declared = TEMPLATE["Parameters"][name].get("Default")
        if declared is None:
            assert default.startswith("required"), name
        elif declared == "":
            assert default.startswith("empty"), name
        else:
            assert default.startswith(f"`{declared}`"), (name, default)


def test_the_readme_lists_every_output(package: Package) -> None:
    listed = set(re.findall(r"`(\w+)`", _section("Outputs")))
    assert set(package.template["Outputs"]) <= listed


def test_the_readme_names_the_stages_and_the_resources_they_hold(package: Package) -> None:
    contents = _section("What the stack contains")
    assert "stage `api`" not in README
    for name, resource in package.resources.items():
        if resource["Type"].startswith(("AWS::Serverless::Function", "AWS::SQS::Queue")):
            assert f"`{name}`" in contents, name


def test_the_template_goes_to_cloudformation_through_the_artifact_bucket(
    package: Package,
) -> None:
    size = package.sam_json.stat().st_size
    assert size < S3_TEMPLATE_LIMIT
    deploy = MAKEFILE.split("\taws cloudformation deploy", 1)[1].split("\n\taws ", 1)[0]
    if size > INLINE_TEMPLATE_LIMIT:
        assert "--s3-bucket '$(ARTIFACT_BUCKET)'" in deploy


def test_make_help_names_every_public_target() -> None:
    phony = MAKEFILE.split(".PHONY:", 1)[1].split("\n\n", 1)[0].replace("\\\n", " ").split()
    help_text = MAKEFILE.split("\nhelp:\n", 1)[1].split("\n\n", 1)[0]
    named = set(re.findall(r"make ([\w-]+(?: \| [\w-]+)*)", help_text))
    listed = {target for group in named for target in group.split(" | ")}
    assert set(phony) - {"help"} <= listed, set(phony) - listed
