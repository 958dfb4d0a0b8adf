"""Both stages as `make package` builds them: templates cfn-lint (every rule) and `sam validate
--lint` accept, wired to their own table, bucket and log group, with IAM grants that reach
nothing else."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from invoicing_cli.api_server import NoRouteError
from tests.infra.conftest import sam_validate
from tests.infra.support import (
    MERGE_TEMPLATE,
    POLICY_FILES,
    STAGES,
    Package,
    wildcard_data_grants,
)

pytestmark = pytest.mark.infra

OLDEST_RUNTIME = (3, 12)
LAMBDA_UNZIPPED_LIMIT = 250 * 2**20  # bytes: code and dependencies of a zip-packaged function
# Stand-ins for what API Gateway substitutes into a gateway response before sending it.
GATEWAY_CONTEXT = {
    "$context.error.messageString": '"Missing Authentication Token"',
    "$context.requestTime": "21/Nov/2026:05:28:00 +0000",
}


def _describe(findings: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{f['Rule']['Id']} {'/'.join(map(str, f['Location']['Path']))}: {f['Message']}"
        for f in findings
    )


def test_cfn_lint_reports_no_errors(cfn_lint_findings: list[dict[str, Any]]) -> None:
    errors = [f for f in cfn_lint_findings if f["Level"] == "Error"]
    assert not errors, _describe(errors)


def test_cfn_lint_with_every_rule_finds_nothing_in_either_stage(
    cfn_lint_findings: list[dict[str, Any]],
) -> None:
    assert not cfn_lint_findings, _describe(cfn_lint_findings)


@pytest.mark.parametrize("stage", STAGES)
def test_sam_validate_lint_accepts_the_stage(packages: dict[str, Package], stage: str) -> None:
    result = sam_validate(packages[stage])
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    assert "is a valid SAM Template" in result.stdout + result.stderr


def test_every_function_runs_on_python_3_12_or_newer(package: Package) -> None:
    functions = package.functions()
    assert "APIHandler" in functions
    for name, properties in functions.items():
        runtime = re.fullmatch(r"python(\d+)\.(\d+)", properties.get("Runtime", ""))
        assert runtime, f"{name} runs {properties.get('Runtime')!r}, not a Python runtime"
        version = (int(runtime[1]), int(runtime[2]))
        assert version >= OLDEST_RUNTIME, f"{name} runs {properties['Runtime']}"


def test_every_function_uses_the_stack_table_and_bucket(package: Package) -> None:
    for name, properties in package.functions().items():
        variables = properties.get("Environment", {}).get("Variables", {})
        assert variables.get("TABLE_NAME") == {"Ref": "InvoicesTable"}, name
        assert variables.get("BUCKET_NAME") == {"Ref": "DocumentsBucket"}, name


def test_api_handler_verifies_tokens_by_jwks_and_no_function_has_a_shared_secret(
    package: Package,
) -> None:
    functions = package.functions()
    api_variables = functions["APIHandler"]["Environment"]["Variables"]
    assert api_variables["AUTH_JWKS_URL"] == {"Ref": "AuthJwksUrl"}
    assert api_variables["AUTH_ISSUER"] == {"Ref": "AuthIssuer"}
    assert api_variables["AUTH_TENANT_CLAIM"] == {"Ref": "AuthTenantClaim"}
    for name, properties in functions.items():
        assert "AUTH_JWT_SECRET" not in properties["Environment"]["Variables"], name


def test_every_function_logs_to_the_group_its_role_may_write(package: Package) -> None:
    for name, properties in package.functions().items():
        log_group = properties.get("LoggingConfig", {}).get("LogGroup")
        assert log_group == {"Ref": "FunctionLogGroup"}, name


def test_no_packaged_policy_grants_dynamodb_or_s3_beyond_the_stack(package: Package) -> None:
    documents = list(package.policy_documents())
    assert documents, "the functions' role carries no policy: is autogen_policy still false?"
    for owner, document in documents:
        assert not wildcard_data_grants(document), owner


@pytest.mark.parametrize("policy_file", POLICY_FILES, ids=lambda path: path.name)
def test_no_stage_policy_file_grants_dynamodb_or_s3_beyond_the_stack(policy_file: Path) -> None:
    assert not wildcard_data_grants(json.loads(policy_file.read_text()))


def test_wildcard_check_catches_a_table_grant_on_every_resource() -> None:
    document = {"Statement": [{"Effect": "Allow", "Action": "dynamodb:Query", "Resource": "*"}]}
    assert wildcard_data_grants(document)


def test_packaged_table_has_the_key_schema_the_local_stack_creates(package: Package) -> None:
    merged = json.loads(MERGE_TEMPLATE.read_text())["Resources"]["InvoicesTable"]
    packaged = package.resources["InvoicesTable"]
    assert packaged["Properties"]["KeySchema"] == merged["Properties"]["KeySchema"]
    assert packaged["Properties"]["KeySchema"] == [
        {"AttributeName": "PK", "KeyType": "HASH"},
        {"AttributeName": "SK", "KeyType": "RANGE"},
    ]
    assert packaged["DeletionPolicy"] == "Retain"
    assert packaged["Properties"]["DeletionProtectionEnabled"] is True


def test_unknown_paths_answer_404_with_the_body_the_local_stack_answers(package: Package) -> None:
    responses = package.resources["RestAPI"]["Properties"]["GatewayResponses"]
    missing = responses["MISSING_AUTHENTICATION_TOKEN"]
    assert missing["StatusCode"] == "404"
    deployed = gateway_body(missing)
    local = json.loads(NoRouteError().body or b"")
    assert (deployed["title"], deployed["detail"]) == (local["title"], local["detail"])


def test_gateway_errors_answer_the_documented_json_body(package: Package) -> None:
    responses = package.resources["RestAPI"]["Properties"]["GatewayResponses"]
    assert {"MISSING_AUTHENTICATION_TOKEN", "DEFAULT_4XX", "DEFAULT_5XX"} <= set(responses)
    for response_type, response in responses.items():
        assert set(gateway_body(response)) == {"title", "detail", "time"}, response_type
        headers = response["ResponseParameters"]["Headers"]
        assert headers["Content-Type"] == "'application/json'", response_type


def gateway_body(response: dict[str, Any]) -> dict[str, Any]:
    """A gateway response's JSON body, with the values API Gateway would substitute."""
    body: str = response["ResponseTemplates"]["application/json"]
    for variable, example in GATEWAY_CONTEXT.items():
        body = body.replace(variable, example)
    parsed: dict[str, Any] = json.loads(body)
    return parsed


def test_deployment_zip_holds_the_app_and_its_dependencies_within_lambda_limits(
    package: Package,
) -> None:
    with zipfile.ZipFile(package.zip_path) as deployment:
        entries = deployment.infolist()
    names = {entry.filename for entry in entries}
    assert {"app.py", "chalicelib/__init__.py", "pydantic/__init__.py", "jwt/__init__.py"} <= names
    # GET /openapi.json: its object model, and the examples it reads as data.
    assert {"openapi_pydantic/__init__.py", "chalicelib/api/openapi/examples.json"} <= names
    # GET /docs: Swagger UI's files from their package, and the page that loads them.
    assert {"chalicelib/api/static/reference.html", "chalicelib/api/static/reference.js"} <= names
    shipped = {name.rsplit("/", 1)[-1] for name in names if name.startswith("swagger_ui_bundle/")}
    assert {"swagger-ui-bundle.js", "swagger-ui.css"} <= shipped
    assert not any(name.startswith(("tests/", "invoicing_cli/", "bench/")) for name in names)
    unzipped = sum(entry.file_size for entry in entries)
    assert unzipped < LAMBDA_UNZIPPED_LIMIT, f"{unzipped / 2**20:.0f} MiB unzipped"
