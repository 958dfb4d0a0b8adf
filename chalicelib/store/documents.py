"""Files kept in the documents bucket, each under its tenant's prefix, and handed out through
short-lived presigned links (the bucket itself is private)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.domain.errors import TemporarilyUnavailableError
from chalicelib.store import keys

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

_CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 4},
    connect_timeout=2,
    read_timeout=10,
    signature_version="s3v4",
)
# Objects with this tag expire by the bucket's lifecycle rule (infra/template.json) a day later.
_SHORT_LIVED = "retention=short"


class S3Documents:
    def __init__(self, bucket: str) -> None:
        self._bucket = bucket

    @functools.cached_property
    def _client(self) -> S3Client:
        # Made on first use, so requests that never touch S3 never pay for the client.
        return boto3.session.Session().client("s3", config=_CLIENT_CONFIG)

    def keep_export(self, tenant_id: str, export_id: str, text: str, *, filename: str) -> str:
        """Stores a CSV export for a day; returns its key."""
        key = keys.export_key(tenant_id, export_id)
        try:
            self._client.put_object(
                Bucket=self._bucket,
                Key=key,
                Body=text.encode(),
                ContentType="text/csv; charset=utf-8",
                ContentDisposition=f'attachment; filename="{filename}"',
                Tagging=_SHORT_LIVED,
            )
        except (BotoCoreError, ClientError) as exc:
            raise TemporarilyUnavailableError("the document store did not answer") from exc
        return key

    def link(self, key: str, *, seconds: int) -> str:
        return self._client.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=seconds
        )
