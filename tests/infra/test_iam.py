"""One role per function, each allowing exactly what that function's code calls (decision 0042):
the API and every job that reads documents may list the bucket, so that S3 answers 404, not
403, for a key that is not there; a job that never touches S3 or SES has no grant on them."""

from __future__ import annotations

import json

import pytest

from tests.infra.support import Package

LOGS = {"logs:CreateLogStream", "logs:PutLogEvents"}
TRACES = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
TABLE = {
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
}
# Reading, writing and deleting PDFs, logos, attachments and batch items; listing, for the 404.
DOCUMENTS = {"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"}
MAIL = {"ses:SendEmail", "ses:SendRawEmail"}
QUEUE = {"sqs:SendMessage"}
TAKES = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
BASE = LOGS | TRACES | TABLE | QUEUE
EXPECTED = {
    # Exports go up tagged short-lived, in parts when large (store/documents.py keep_export).
    "APIHandler": BASE | DOCUMENTS | MAIL | {"s3:PutObjectTagging", "s3:AbortMultipartUpload"},
    # Issuing with autoSend sends at once: the PDF, the logo, the email.
    "RecurringJob": BASE | DOCUMENTS | MAIL,
    "ScheduledSendingJob": BASE | DOCUMENTS | MAIL,
    "RemindersJob": BASE | DOCUMENTS | MAIL,
    # Flags invoices in the table; queues its chunks when there are many.
    "OverdueJob": BASE,
    # Any job's chunk and queued batches; Lambda's event source takes the messages as it.
    "JobWorker": BASE
    | DOCUMENTS
    | MAIL
    | {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"},
    # One attempt per message: the endpoint and the delivery read, the delivery and the endpoint's
    # health written; a failed message hidden until its retry (decision 0065). No S3, no mail.
    "WebhookWorker": LOGS
    | TRACES
    | {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}
    | TAKES
    | {"sqs:ChangeMessageVisibility"},
    # Reads the table's stream and the endpoints; puts events on the bus, queues deliveries, and
    # (as Lambda's on-failure destination) dead-letters what it could not tell (decision 0064).
    "EventRelay": LOGS
    | TRACES
    | {
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:ListStreams",
        "dynamodb:Query",
        "events:PutEvents",
        "sqs:SendMessage",
    },
}
BUCKET = json.dumps({"Fn::GetAtt": ["DocumentsBucket", "Arn"]})
OBJECTS = json.dumps({"Fn::Sub": "${DocumentsBucket.Arn}/*"})
JOBS_QUEUE = json.dumps({"Fn::GetAtt": ["JobsQueue", "Arn"]})
WEBHOOK_QUEUE = json.dumps({"Fn::GetAtt": ["WebhookQueue", "Arn"]})
TABLE_ARN = json.dumps({"Fn::GetAtt": ["InvoicesTable", "Arn"]})


def test_every_function_has_a_role_of_its_own(package: Package) -> None:
    roles = [props["Role"]["Fn::GetAtt"][0] for props in package.functions().values()]
    assert len(roles) == len(set(roles)) == len(EXPECTED)


@pytest.mark.parametrize("function", sorted(EXPECTED))
def test_function_role_grants_exactly_what_the_function_calls(
    package: Package, function: str
) -> None:
    assert set(package.grants(function)) == EXPECTED[function]


@pytest.mark.parametrize("function", sorted(f for f, a in EXPECTED.items() if a >= DOCUMENTS))
def test_functions_that_read_documents_may_list_the_bucket_itself_and_no_more(
    package: Package, function: str
) -> None:
    grants = package.grants(function)
    assert grants["s3:ListBucket"] == {BUCKET}
    assert grants["s3:GetObject"] == {OBJECTS}


def test_the_overdue_job_touches_neither_documents_nor_mail(package: Package) -> None:
    grants = package.grants("OverdueJob")
    assert not [action for action in grants if action.startswith(("s3:", "ses:"))]


def test_only_the_workers_take_messages_and_every_queue_grant_names_the_jobs_queue(
    package: Package,
) -> None:
    for function in EXPECTED:
        if function in ("WebhookWorker", "EventRelay"):
            continue
        grants = package.grants(function)
        takes = {a for a in grants if a.startswith("sqs:") and a != "sqs:SendMessage"}
        assert bool(takes) == (function == "JobWorker"), function
        for action in (a for a in grants if a.startswith("sqs:")):
            assert grants[action] == {JOBS_QUEUE}, (function, action)


def test_the_webhook_worker_takes_and_delays_messages_of_the_webhook_queue_only(
    package: Package,
) -> None:
    grants = package.grants("WebhookWorker")
    sqs = {action for action in grants if action.startswith("sqs:")}
    assert sqs == TAKES | {"sqs:ChangeMessageVisibility"}
    assert all(grants[action] == {WEBHOOK_QUEUE} for action in sqs)
    assert all(grants[a] == {TABLE_ARN} for a in grants if a.startswith("dynamodb:"))


def test_mail_may_go_only_through_the_stack_configuration_set(package: Package) -> None:
    for function, expected in EXPECTED.items():
        if expected >= MAIL:
            resources = package.grants(function)["ses:SendRawEmail"]
            assert any("configuration-set/${MailConfigurationSet}" in r for r in resources)


def test_the_event_relay_reads_the_stream_and_tells_only_the_stacks_bus_and_queues(
    package: Package,
) -> None:
    grants = package.grants("EventRelay")
    stream = json.dumps({"Fn::GetAtt": ["InvoicesTable", "StreamArn"]})
    for action in ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"):
        assert grants[action] == {stream}, action
    assert grants["dynamodb:ListStreams"] == {
        json.dumps({"Fn::Sub": "${InvoicesTable.Arn}/stream/*"})
    }
    assert grants["dynamodb:Query"] == {TABLE_ARN}
    assert grants["events:PutEvents"] == {json.dumps({"Fn::GetAtt": ["EventBus", "Arn"]})}
    dead = json.dumps({"Fn::GetAtt": ["EventRelayDeadLetterQueue", "Arn"]})
    assert grants["sqs:SendMessage"] == {WEBHOOK_QUEUE, dead}
