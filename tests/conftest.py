"""Shared fixtures: a fresh emulated AWS account per test, and the app's test client."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws

from chalicelib.bootstrap import get_deps
from invoicing_cli.local import BUCKET_NAME, LOCAL_JWT_SECRET, PROJECT_DIR, REGION, TABLE_NAME
from invoicing_cli.resources import ResourceNames, create_resources
from tests.support import Api, DynamoCalls


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fake credentials, never real ones, and the settings the app reads; fresh deps per test."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("TABLE_NAME", TABLE_NAME)
    monkeypatch.setenv("BUCKET_NAME", BUCKET_NAME)
    monkeypatch.setenv("AUTH_JWT_SECRET", LOCAL_JWT_SECRET)
    get_deps.cache_clear()
    yield
    get_deps.cache_clear()


@pytest.fixture
def aws() -> Iterator[None]:
    """moto in process, with the table and bucket created from infra/template.json."""
    with mock_aws():
        create_resources(
            boto3.client("dynamodb"), boto3.client("s3"), ResourceNames(TABLE_NAME, BUCKET_NAME)
        )
        yield


@pytest.fixture
def api(aws: None) -> Iterator[Api]:
    """The app over Chalice's test client; `api.as_tenant("acme")` calls it with acme's token."""
    from app import app

    with Client(app, stage_name="dev", project_dir=str(PROJECT_DIR)) as client:
        yield Api(client, headers={})


@pytest.fixture
def dynamo_calls(api: Api) -> DynamoCalls:
    """Counts DynamoDB calls made by the app's own client."""
    return DynamoCalls(get_deps().dynamodb)
