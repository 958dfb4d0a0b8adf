"""Each test's own emulated AWS account, with the deployed resources in it, made quickly: the
clients that create them are made once per worker, and the table is created from the template
once per worker and copied into every later account. moto keeps a table as one object, so the
copy answers exactly as the table its CreateTable made. The bucket, the sender and the queue are
still created by their calls: they are cheap, and S3 keeps bucket names outside the bucket."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import boto3
from moto import mock_aws
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.table import Table

from invoicing_cli.local import BUCKET_NAME, JOBS_QUEUE_NAME, MAIL_FROM, TABLE_NAME
from invoicing_cli.resources import create_bucket, create_jobs_queue, create_table, verify_sender

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_ses import SESClient
    from mypy_boto3_sqs import SQSClient


@dataclass(frozen=True)
class ResourceClients:
    """Clients made once: moto answers them in every account all the same, since its hook is in
    every botocore session made once moto is imported and its state is its own."""

    dynamodb: DynamoDBClient
    s3: S3Client
    ses: SESClient
    sqs: SQSClient

    @classmethod
    def made(cls) -> ResourceClients:
        session = boto3.session.Session()
        return cls(
            dynamodb=session.client("dynamodb"),
            s3=session.client("s3"),
            ses=session.client("ses"),
            sqs=session.client("sqs"),
        )


@dataclass
class Accounts:
    """Makes fresh accounts; keeps the table as first created, to copy into each."""

    clients: ResourceClients
    _table: Table | None = None
    _where: tuple[str, str] = ("", "")  # the account and region moto keeps the table in

    @contextmanager
    def fresh(self) -> Iterator[str]:
        """A new account while the block runs, with the table, the bucket, the verified sender
        and the jobs' queue in it; yields the queue's URL."""
        with mock_aws():
            self._add_table()
            create_bucket(self.clients.s3, BUCKET_NAME)
            verify_sender(self.clients.ses, MAIL_FROM)
            yield create_jobs_queue(self.clients.sqs, JOBS_QUEUE_NAME)

    def _add_table(self) -> None:
        if self._table is None:
            create_table(self.clients.dynamodb, TABLE_NAME)
            self._where = next(
                (account, region)
                for account, region, backend in dynamodb_backends.iter_backends()
                if TABLE_NAME in cast(DynamoDBBackend, backend).tables
            )
            self._table = copy.deepcopy(self._tables()[TABLE_NAME])  # before anything is written
            return
        self._tables()[TABLE_NAME] = copy.deepcopy(self._table)

    def _tables(self) -> dict[str, Table]:
        account, region = self._where
        backend: DynamoDBBackend = dynamodb_backends[account][region]
        return backend.tables
