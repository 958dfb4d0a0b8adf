"""Files kept in the documents bucket, each under its tenant's prefix (store/keys.py), and handed
out through short-lived presigned links (the bucket itself is private)."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.documents.disposition import content_disposition
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
# The same tag in the XML a browser-based POST carries it in: an upload that is never registered
# expires with it, while what registration keeps is written anew, untagged.
_SHORT_LIVED_XML = (
    "<Tagging><TagSet><Tag><Key>retention</Key><Value>short</Value></Tag></TagSet></Tagging>"
)
_MISSING = frozenset({"NoSuchKey", "404", "NotFound"})


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
        with _unavailable_when_down():
            self._client.put_object(
                Bucket=self._bucket,
                Key=key,
                Body=text.encode(),
                ContentType="text/csv; charset=utf-8",
                ContentDisposition=content_disposition("attachment", filename),
                Tagging=_SHORT_LIVED,
            )
        return key

    def put(self, key: str, data: bytes, *, media_type: str, filename: str) -> None:
        with _unavailable_when_down():
            self._client.put_object(
                Bucket=self._bucket,
                Key=key,
                Body=data,
                ContentType=media_type,
                ContentDisposition=content_disposition("attachment", filename),
            )

    def get(self, key: str) -> bytes | None:
        """The object's bytes, or None when there is none under `key`."""
        with _unavailable_when_down():
            try:
                response = self._client.get_object(Bucket=self._bucket, Key=key)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in _MISSING:
                    return None
                raise
            return response["Body"].read()

    def delete(self, *object_keys: str) -> None:
        if not object_keys:
            return
        with _unavailable_when_down():
            self._client.delete_objects(
                Bucket=self._bucket,
                Delete={"Objects": [{"Key": key} for key in object_keys], "Quiet": True},
            )

    def link(self, key: str, *, seconds: int) -> str:
        return self._client.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=seconds
        )

    def upload_form(
        self, key: str, *, media_type: str, max_bytes: int, seconds: int
    ) -> dict[str, Any]:
        """A presigned POST that S3 itself holds to this key, this type and 1..max_bytes; what it
        uploads is tagged to expire a day later unless registered (then it is copied, untagged)."""
        with _unavailable_when_down():
            form = self._client.generate_presigned_post(
                Bucket=self._bucket,
                Key=key,
                Fields={"Content-Type": media_type, "tagging": _SHORT_LIVED_XML},
                Conditions=[
                    {"Content-Type": media_type},
                    {"tagging": _SHORT_LIVED_XML},
                    ["content-length-range", 1, max_bytes],
                ],
                ExpiresIn=seconds,
            )
        return {"url": form["url"], "fields": form["fields"]}


@contextmanager
def _unavailable_when_down() -> Iterator[None]:
    try:
        yield
    except BotoCoreError as exc:
        raise TemporarilyUnavailableError("the document store did not answer") from exc
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout"):
            raise TemporarilyUnavailableError("the document store did not answer") from exc
        raise
