"""Create the deployed resources on a local emulator from infra/template.json, the one source of
truth for the table's keys and indexes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_ses import SESClient
    from mypy_boto3_sqs import SQSClient

TEMPLATE = Path(__file__).resolve().parents[1] / "infra" / "template.json"
TABLE_RESOURCE = "InvoicesTable"
BUCKET_RESOURCE = "DocumentsBucket"

# The CloudFormation properties that are also CreateTable parameters, with the same shape.
_CREATE_TABLE_PROPERTIES = (
    "AttributeDefinitions",
    "KeySchema",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "BillingMode",
)


@dataclass(frozen=True)
class ResourceNames:
    table: str
    bucket: str
    jobs_queue_url: str = ""  # known once the queue exists


def template_resource(logical_id: str) -> dict[str, Any]:
    resources: dict[str, Any] = json.loads(TEMPLATE.read_text())["Resources"]
    return dict(resources[logical_id])


def create_table_request(table_name: str) -> dict[str, Any]:
    properties = template_resource(TABLE_RESOURCE)["Properties"]
    request = {name: properties[name] for name in _CREATE_TABLE_PROPERTIES if name in properties}
    stream = properties.get("StreamSpecification")
    if stream:  # CloudFormation names only the view; CreateTable also wants it enabled
        request["StreamSpecification"] = {"StreamEnabled": True, **stream}
    return {"TableName": table_name, **request}


def create_jobs_queue(sqs: SQSClient, name: str) -> str:
    """The queue that carries the jobs' chunks to their worker; returns its URL."""
    return sqs.create_queue(QueueName=name)["QueueUrl"]


def verify_sender(ses: SESClient, address: str) -> None:
    """SES (and moto's) sends only from a verified identity."""
    ses.verify_email_identity(EmailAddress=address)


def create_resources(dynamodb: DynamoDBClient, s3: S3Client, names: ResourceNames) -> None:
    """Create the table (with its TTL) and the bucket, as the template declares them."""
    create_table(dynamodb, names.table)
    create_bucket(s3, names.bucket)


def create_table(dynamodb: DynamoDBClient, name: str) -> None:
    """The table, with its TTL, as the template declares it."""
    dynamodb.create_table(**create_table_request(name))
    ttl = template_resource(TABLE_RESOURCE)["Properties"].get("TimeToLiveSpecification")
    if ttl:
        dynamodb.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
        )


def create_bucket(s3: S3Client, name: str) -> None:
    """The documents bucket, in the client's region."""
    region = s3.meta.region_name
    if region == "us-east-1":  # the one region S3 refuses a location constraint for
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(
            Bucket=name,
            CreateBucketConfiguration={"LocationConstraint": region},  # type: ignore[typeddict-item]
        )
