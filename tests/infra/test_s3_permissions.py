"""S3 answers 403, not 404, for a key that does not exist when the caller may not list the bucket
(decision 0042). moto, even with IAM enforced, answers 404 whatever the policy, so S3's answer is
played here on the wire: a botocore hook answers GetObject for a missing key with S3's own 403
body, and the store must neither take it for "missing" nor pass it on as something else."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

import boto3
import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders
from moto import mock_aws

from chalicelib.store.documents import DocumentStoreAccessDeniedError, S3Documents

BUCKET = "documents"
REGION: Literal["eu-west-1"] = "eu-west-1"
ACCESS_DENIED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    b"<Message>Access Denied</Message><RequestId>5TQ0T8GQ3Y2M</RequestId>"
    b"<HostId>f7w1yQ==</HostId></Error>"
)


class _Raw:
    """Just enough of urllib3's response for botocore to read a body from."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, *_: Any, **__: Any) -> Iterator[bytes]:
        yield self._body


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Documents]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_object(Bucket=BUCKET, Key="T#acme/pdf/there.pdf", Body=b"%PDF-1.7")
        yield S3Documents(BUCKET)


def without_list_bucket(store: S3Documents) -> None:
    """Answer as S3 does a caller without s3:ListBucket: 403 AccessDenied where a key is not."""
    store.connect()
    client = store._client
    listing = boto3.client("s3", region_name=REGION)

    def answer(request: Any, **_: Any) -> Any:  # an AWSResponse replaces S3's own answer
        if listing.list_objects_v2(Bucket=BUCKET, Prefix=_key(request.url)).get("KeyCount"):
            return None  # the object is there: S3 answers it whatever the listing grant
        headers = HTTPHeaders()
        headers["Content-Type"] = "application/xml"
        return AWSResponse(request.url, 403, headers, _Raw(ACCESS_DENIED))

    client.meta.events.register("before-send.s3.GetObject", answer)


def _key(url: str) -> str:
    """The object key of a virtual-hosted (bucket.s3...) or path-style (s3.../bucket) URL."""
    parts = urlsplit(url)
    path = parts.path.lstrip("/")
    if not parts.netloc.startswith(f"{BUCKET}."):
        path = path.split("/", 1)[1]
    return unquote(path)


def test_with_list_bucket_a_missing_document_is_none(store: S3Documents) -> None:
    assert store.get("T#acme/pdf/missing.pdf") is None


def test_without_list_bucket_a_missing_document_raises_the_permission_error(
    store: S3Documents,
) -> None:
    without_list_bucket(store)
    with pytest.raises(DocumentStoreAccessDeniedError, match="s3:ListBucket"):
        store.get("T#acme/pdf/missing.pdf")


def test_without_list_bucket_a_document_that_is_there_still_reads(store: S3Documents) -> None:
    without_list_bucket(store)
    assert store.get("T#acme/pdf/there.pdf") == b"%PDF-1.7"


def test_the_permission_error_is_no_domain_error_so_it_never_answers_404() -> None:
    from chalicelib.domain.errors import DomainError

    assert not issubclass(DocumentStoreAccessDeniedError, DomainError)
