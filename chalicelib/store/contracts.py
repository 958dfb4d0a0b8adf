"""Contracts in DynamoDB: one item per contract under its tenant's partition, written
conditionally on the version read, listed a page at a time by their sort-key prefix. An item is
bounded by the request body's limit (256 KB), well inside DynamoDB's 400 KB."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.domain.contracts import Contract
from chalicelib.domain.errors import ContractNotFoundError
from chalicelib.store import keys
from chalicelib.store.records import TenantRecords

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class DynamoContractRepository(TenantRecords[Contract]):
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        super().__init__(
            client,
            table_name,
            model=Contract,
            prefix=keys.CONTRACT_PREFIX,
            not_found=ContractNotFoundError,
        )
