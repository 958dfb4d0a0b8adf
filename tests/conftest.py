"""Shared fixtures: a fresh emulated AWS account per test, the app's test client, and DynamoDB
Local (AWS's engine) with the app served over real HTTP for what moto cannot emulate."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import ExitStack

import boto3
import pytest
import requests
from chalice.test import Client

from chalicelib.bootstrap import get_deps
from invoicing_cli.api_server import build_server, stage_config
from invoicing_cli.dynamodb_local import (
    ENDPOINT_VARIABLE,
    DynamoDBLocalError,
    LocalTable,
    require_answer,
    run_dynamodb_local,
)
from invoicing_cli.local import (
    BUCKET_NAME,
    JOBS_QUEUE_NAME,
    LOCAL_JWT_SECRET,
    PROJECT_DIR,
    REGION,
    TABLE_NAME,
)
from invoicing_cli.resources import (
    TABLE_RESOURCE,
    create_jobs_queue,
    create_table_request,
    template_resource,
)
from tests.botocore_speed import one_alias_cache, one_model_loader
from tests.conformance import Conformance, spec_of
from tests.moto_account import Accounts, ResourceClients
from tests.moto_speed import quicker_moto
from tests.support import Api, DynamoCalls

# The clock: a run moved by TEST_AS_OF (make test-as-of), a test pinned by @pytest.mark.now.
pytest_plugins = ["tests.clock"]


@pytest.fixture(autouse=True, scope="session")
def quicker_aws_emulation() -> Iterator[None]:
    """botocore and moto answering as they do, without work they repeated for nothing in every
    session and on every item (tests/botocore_speed.py, tests/moto_speed.py)."""
    with one_model_loader(), one_alias_cache(), quicker_moto():
        yield


def fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials in the region the app runs in, never real ones nor another endpoint."""
    for name in (
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_SESSION_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fake credentials, never real ones, and the settings the app reads; fresh deps per test."""
    fake_credentials(monkeypatch)
    monkeypatch.setenv("TABLE_NAME", TABLE_NAME)
    monkeypatch.setenv("BUCKET_NAME", BUCKET_NAME)
    monkeypatch.setenv("AUTH_JWT_SECRET", LOCAL_JWT_SECRET)
    get_deps.cache_clear()
    yield
    get_deps.cache_clear()


@pytest.fixture(scope="session")
def moto_accounts() -> Accounts:
    """What makes each test's emulated account (tests/moto_account.py), once per worker."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        fake_credentials(monkeypatch)
        return Accounts(ResourceClients.made())


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, moto_accounts: Accounts) -> Iterator[None]:
    """moto in process, with the table and bucket created from infra/template.json, and the
    jobs' queue."""
    with moto_accounts.fresh() as jobs_queue_url:
        monkeypatch.setenv("JOBS_QUEUE_URL", jobs_queue_url)
        get_deps.cache_clear()
        yield


@pytest.fixture
def api(aws: None) -> Iterator[Api]:
    """The app over Chalice's test client; `api.as_tenant("acme")` calls it with acme's token."""
    from app import app

    with Client(app, stage_name="dev", project_dir=str(PROJECT_DIR)) as client:
        yield Api(client, headers={})


@pytest.fixture
def acme(api: Api) -> Api:
    """The tenant a route test acts as."""
    return api.as_tenant("acme")


@pytest.fixture
def globex(api: Api) -> Api:
    """The other tenant, whose attempts on acme's data every route test makes."""
    return api.as_tenant("globex")


@pytest.fixture
def conformance(api: Api) -> Conformance:
    """The OpenAPI document the app serves, to check answers against (tests/conformance)."""
    return Conformance(spec_of(api))


@pytest.fixture
def dynamo_calls(api: Api) -> DynamoCalls:
    """Counts DynamoDB calls made by the app's own client."""
    return DynamoCalls(get_deps().dynamodb)


@pytest.fixture(scope="session")
def dynamodb_local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """DynamoDB Local for the session (one JVM per xdist worker); yields its endpoint URL.

    Set DYNAMODB_LOCAL_ENDPOINT to use one that is already running instead.
    """
    running = os.environ.get(ENDPOINT_VARIABLE)
    with ExitStack() as stack:
        try:
            if running:
                require_answer(running)
                url = running
            else:
                log = tmp_path_factory.mktemp("dynamodb-local") / "dynamodb-local.log"
                url = stack.enter_context(run_dynamodb_local(log))
        except DynamoDBLocalError as exc:
            # Failing, never skipping: CI must not pass without the tests moto cannot stand in for.
            raise pytest.fail.Exception(str(exc), pytrace=False) from None
        yield url


@pytest.fixture
def ddb_local(
    dynamodb_local: str, aws_environment: None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LocalTable]:
    """A fresh table from infra/template.json on DynamoDB Local, and the app pointed at it."""
    client = boto3.session.Session().client("dynamodb", endpoint_url=dynamodb_local)
    table = f"invoicing-{uuid.uuid4().hex}"
    client.create_table(**create_table_request(table))
    try:
        ttl = template_resource(TABLE_RESOURCE)["Properties"].get("TimeToLiveSpecification")
        if ttl:
            client.update_time_to_live(
                TableName=table,
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
            )
        monkeypatch.setenv("TABLE_NAME", table)
        # botocore reads the service-specific variable, so only DynamoDB leaves for the JVM.
        monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynamodb_local)
        get_deps.cache_clear()
        _require_app_on_dynamodb_local(dynamodb_local, table)
        yield LocalTable(endpoint_url=dynamodb_local, table_name=table, client=client)
    finally:
        client.delete_table(TableName=table)


def _require_app_on_dynamodb_local(endpoint_url: str, table: str) -> None:
    app_client = get_deps().dynamodb
    assert app_client.meta.endpoint_url == endpoint_url, app_client.meta.endpoint_url
    reply = app_client.describe_table(TableName=table)
    # Served by DynamoDB Local's Jetty, so nothing in process (moto) answered in its place.
    server = reply["ResponseMetadata"]["HTTPHeaders"].get("server", "")
    assert server.startswith("Jetty"), f"the app's DynamoDB calls reached {server!r}"


@pytest.fixture
def local_api_server(ddb_local: LocalTable, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The app served over real HTTP by the server `invoicing serve` runs (Chalice's local
    server answering as the deployed API does); yields its base URL.

    Requests run concurrently, one thread each, on ddb_local's table.
    """
    from app import app

    app_class = app.__class__
    # As `invoicing serve-api` does, the stage's variables join the environment every request
    # thread shares; monkeypatch takes them out again after the test.
    for name, value in stage_config().environment_variables.items():
        monkeypatch.setenv(name, value)
    get_deps.cache_clear()
    server = build_server("127.0.0.1", 0)
    try:
        # A short poll makes shutdown prompt (the default waits up to half a second).
        thread = threading.Thread(
            target=server.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="chalice-local",
            daemon=True,
        )
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server.server_address[1]}"
        finally:
            server.shutdown()
            server.server.server_close()
            thread.join(timeout=10)
    finally:
        # Other tests share the module-level app through Chalice's test client.
        app.__class__ = app_class


@pytest.fixture
def local_api_with_s3_and_sqs(
    local_api_server: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """local_api_server with the documents bucket and the jobs' queue on a moto server, as
    `invoicing serve` has them; the app makes its S3 and SQS clients on first use, so it finds
    the server through the environment. Yields the API's base URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint_url = f"http://{host}:{port}"
        # Servers in one process share moto's state: each test starts from an empty account.
        requests.post(f"{endpoint_url}/moto-api/reset", timeout=10).raise_for_status()
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", endpoint_url)
        monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", endpoint_url)
        boto3.client("s3", endpoint_url=endpoint_url).create_bucket(
            Bucket=BUCKET_NAME,
            CreateBucketConfiguration={"LocationConstraint": REGION},  # type: ignore[typeddict-item]
        )
        sqs = boto3.client("sqs", endpoint_url=endpoint_url)
        monkeypatch.setenv("JOBS_QUEUE_URL", create_jobs_queue(sqs, JOBS_QUEUE_NAME))
        get_deps.cache_clear()
        yield local_api_server
    finally:
        server.stop()
