"""Files kept in the documents bucket, each under its tenant's prefix (store/keys.py), and handed
out through short-lived presigned links (the bucket itself is private)."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager, suppress
from itertools import chain
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.documents.disposition import content_disposition
from chalicelib.domain.errors import TemporarilyUnavailableError
from chalicelib.ports import KeptExport
from chalicelib.store import keys

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef

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
# What S3 answers for a missing key when the caller may not list the bucket (decision 0042).
_DENIED = frozenset({"AccessDenied", "403", "Forbidden"})
# S3's smallest part but the last is 5 MiB; larger parts make fewer requests, and a few in flight
# keep the upload beside the reads that make the export.
_PART_BYTES = 8 * 1024 * 1024
_PARALLEL_PARTS = 4


class DocumentStoreAccessDeniedError(Exception):
    """S3 refused a read. Without s3:ListBucket on the bucket that is also how it answers for a
    key that does not exist, so the store cannot tell "missing" from "forbidden": a deployment
    fault, never a 404. Not a DomainError, so it is logged and answered as the unexpected 500."""


class S3Documents:
    def __init__(self, bucket: str) -> None:
        self._bucket = bucket

    @functools.cached_property
    def _client(self) -> S3Client:
        # Made on first use, so requests that never touch S3 never pay for the client.
        return boto3.session.Session().client("s3", config=_CLIENT_CONFIG)

    def connect(self) -> None:
        """Build the client now: before a SnapStart snapshot (runtime/snapstart.py)."""
        _ = self._client

    def keep_export(
        self, tenant_id: str, export: KeptExport, parts: Iterable[bytes], *, filename: str
    ) -> str:
        """Stores an export for a day (the short-lived tag); returns its key. What fits one part
        goes up in one PutObject; more, as a multipart upload whose parts go up while the next
        ones are still being made, a few at a time, so memory stays bounded."""
        key = keys.export_key(tenant_id, export.export_id, export.extension)
        chunks = _in_parts(parts, _PART_BYTES)
        first, second = next(chunks), next(chunks, None)
        disposition = content_disposition("attachment", filename)
        with _unavailable_when_down():
            if second is None:
                self._client.put_object(
                    Bucket=self._bucket,
                    Key=key,
                    Body=first,
                    ContentType=export.media_type,
                    ContentDisposition=disposition,
                    Tagging=_SHORT_LIVED,
                )
                return key
            upload = self._client.create_multipart_upload(
                Bucket=self._bucket,
                Key=key,
                ContentType=export.media_type,
                ContentDisposition=disposition,
                Tagging=_SHORT_LIVED,
            )
            self._upload_parts(key, upload["UploadId"], chain([first, second], chunks))
        return key

    def _upload_parts(self, key: str, upload_id: str, chunks: Iterator[bytes]) -> None:
        """Every part, then the upload completed; aborted (nothing kept) if any step fails."""
        try:
            with ThreadPoolExecutor(_PARALLEL_PARTS) as pool:
                pending: list[Future[str]] = []
                for number, chunk in enumerate(chunks, start=1):
                    if len(pending) - sum(f.done() for f in pending) >= _PARALLEL_PARTS:
                        wait([f for f in pending if not f.done()], return_when=FIRST_COMPLETED)
                    pending.append(pool.submit(self._part, key, upload_id, number, chunk))
                parts: list[CompletedPartTypeDef] = [
                    {"ETag": f.result(), "PartNumber": n} for n, f in enumerate(pending, 1)
                ]
            self._client.complete_multipart_upload(
                Bucket=self._bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        except BaseException:
            # Best effort: the bucket's rule aborts incomplete uploads anyway (infra/template.json).
            with suppress(BotoCoreError, ClientError):
                self._client.abort_multipart_upload(
                    Bucket=self._bucket, Key=key, UploadId=upload_id
                )
            raise

    def _part(self, key: str, upload_id: str, number: int, chunk: bytes) -> str:
        answer = self._client.upload_part(
            Bucket=self._bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=chunk
        )
        return answer["ETag"]

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
                code = exc.response.get("Error", {}).get("Code")
                if code in _MISSING:
                    return None
                if code in _DENIED:
                    raise DocumentStoreAccessDeniedError(
                        f"S3 refused GetObject on {key} in {self._bucket}: a missing key looks "
                        "like this unless the function may s3:ListBucket on the bucket"
                    ) from exc
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


def _in_parts(pieces: Iterable[bytes], size: int) -> Iterator[bytes]:
    """The bytes of `pieces` regrouped in parts of `size`, the last one shorter (or empty, when
    there are no bytes at all: an export always has a first part)."""
    buffer = bytearray()
    given = False
    for piece in pieces:
        buffer += piece
        while len(buffer) >= size:
            given = True
            yield bytes(buffer[:size])
            del buffer[:size]
    if buffer or not given:
        yield bytes(buffer)


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
