"""What each function runs with in AWS: a timeout API Gateway can wait for, SnapStart through a
published alias that API Gateway, the schedules and the queue all invoke, traces, Powertools'
settings, a capped queue worker; and what the API stage logs, throttles and alarms on, per
stage (decisions 0043 and 0044)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.domain.webhook_retries import MAX_ATTEMPTS, Schedule
from invoicing_cli.lambda_package import ALIAS, alias_id
from tests.infra.support import STAGES, Package

API_GATEWAY_TIMEOUT = 29  # seconds: API Gateway's integration limit
FUNCTIONS = (
    "APIHandler",
    "RecurringJob",
    "ScheduledSendingJob",
    "RemindersJob",
    "OverdueJob",
    "JobWorker",
    "WebhookWorker",
    "EventRelay",
)
ACCESS_LOG_KEYS = {"requestId", "ip", "route", "status", "latency"}


def test_the_api_function_times_out_before_api_gateway_does(package: Package) -> None:
    assert package.functions()["APIHandler"]["Timeout"] < API_GATEWAY_TIMEOUT


def test_every_function_is_traced_and_published_with_snapstart(package: Package) -> None:
    functions = package.functions()
    assert set(functions) == set(FUNCTIONS)
    for name, properties in functions.items():
        assert properties["Tracing"] == "Active", name
        assert properties["AutoPublishAlias"] == ALIAS, name
        assert properties["SnapStart"] == {"ApplyOn": "PublishedVersions"}, name


def test_every_api_route_and_the_invoke_permission_use_the_published_alias(
    package: Package,
) -> None:
    """$LATEST is never restored from a snapshot: API Gateway must call the alias."""
    body = package.resources["RestAPI"]["Properties"]["DefinitionBody"]
    uris = [
        json.dumps(operation["x-amazon-apigateway-integration"]["uri"])
        for operations in body["paths"].values()
        for operation in operations.values()
        if "x-amazon-apigateway-integration" in operation
    ]
    assert uris
    assert all(f"${{{alias_id()}}}" in uri and ".Arn}" not in uri for uri in uris)
    permission = package.resources["APIHandlerInvokePermission"]["Properties"]
    assert permission["FunctionName"] == {"Ref": alias_id()}


def test_every_function_gets_powertools_settings_and_the_configuration_set(
    package: Package,
) -> None:
    for name, properties in package.functions().items():
        variables = properties["Environment"]["Variables"]
        assert variables["POWERTOOLS_SERVICE_NAME"] == {"Ref": "AWS::StackName"}, name
        assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "Invoicing", name
        assert variables["SES_CONFIGURATION_SET"] == {"Ref": "MailConfigurationSet"}, name
        level = {"Fn::If": ["IsProd", "INFO", "DEBUG"]}
        assert variables["POWERTOOLS_LOG_LEVEL"] == variables["LOG_LEVEL"] == level, name


def test_the_queue_worker_runs_at_most_the_configured_concurrency(package: Package) -> None:
    events = package.functions()["JobWorker"]["Events"]
    (source,) = (e["Properties"] for e in events.values() if e["Type"] == "SQS")
    assert source["ScalingConfig"] == {"MaximumConcurrency": {"Ref": "JobWorkerMaxConcurrency"}}
    assert package.template["Parameters"]["JobWorkerMaxConcurrency"]["MinValue"] == 2


def test_the_webhook_worker_takes_the_webhook_queue_reporting_each_failed_message(
    package: Package,
) -> None:
    """A failed message stays, hidden by the worker until its retry; the others are deleted. The
    queue dead-letters a message after the schedule's last attempt (decision 0065)."""
    events = package.functions()["WebhookWorker"]["Events"]
    (source,) = (e["Properties"] for e in events.values() if e["Type"] == "SQS")
    assert source["Queue"] == {"Fn::GetAtt": ["WebhookQueue", "Arn"]}
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert source["BatchSize"] == 10
    assert source["ScalingConfig"] == {"MaximumConcurrency": 10}
    queue = package.resources["WebhookQueue"]["Properties"]
    assert queue["RedrivePolicy"]["maxReceiveCount"] == MAX_ATTEMPTS
    # A message is not taken again while an attempt of it may still run (a worker's whole time,
    # with margin for its start and the delete after it).
    assert queue["VisibilityTimeout"] >= 1.5 * package.functions()["WebhookWorker"]["Timeout"]
    retention = timedelta(seconds=queue["MessageRetentionPeriod"])
    assert retention > Schedule().total() + timedelta(hours=12)


def test_the_event_relay_reads_the_table_stream_filtered_in_order_and_dead_letters(
    package: Package,
) -> None:
    """Only the items that make events invoke it; a failed record is retried alone, in order,
    for as long as the stream keeps it, then its place is dead-lettered (decision 0064)."""
    assert package.resources["InvoicesTable"]["Properties"]["StreamSpecification"] == {
        "StreamViewType": "NEW_AND_OLD_IMAGES"
    }
    events = package.functions()["EventRelay"]["Events"]
    (source,) = (e["Properties"] for e in events.values() if e["Type"] == "DynamoDB")
    assert source["Stream"] == {"Fn::GetAtt": ["InvoicesTable", "StreamArn"]}
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert source["BisectBatchOnFunctionError"] is True
    assert source["StartingPosition"] == "TRIM_HORIZON"
    assert source["MaximumRecordAgeInSeconds"] == 86400  # the stream's retention
    on_failure = source["DestinationConfig"]["OnFailure"]
    assert on_failure["Destination"] == {"Fn::GetAtt": ["EventRelayDeadLetterQueue", "Arn"]}
    (only,) = source["FilterCriteria"]["Filters"]
    prefixes = json.loads(only["Pattern"])["dynamodb"]["Keys"]["SK"]["S"]
    assert [p["prefix"] for p in prefixes] == ["INV#", "CN#", "CLIENT#", "BATCH#", "WEBHOOK#"]
    variables = package.template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["EVENT_BUS_NAME"] == {"Ref": "EventBus"}
    assert variables["WEBHOOK_QUEUE_URL"] == {"Ref": "WebhookQueue"}


def test_the_api_stage_is_traced_throttled_and_logs_each_request_as_json(
    package: Package,
) -> None:
    api = package.resources["RestAPI"]["Properties"]
    assert api["TracingEnabled"] is True
    settings = api["AccessLogSetting"]
    assert settings["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    assert set(json.loads(settings["Format"])) >= ACCESS_LOG_KEYS
    (throttling,) = api["MethodSettings"]
    assert (throttling["ResourcePath"], throttling["HttpMethod"]) == ("/*", "*")
    assert throttling["ThrottlingBurstLimit"] == {"Ref": "ApiThrottlingBurstLimit"}
    assert throttling["ThrottlingRateLimit"] == {"Ref": "ApiThrottlingRateLimit"}


def _alarms(package: Package) -> dict[str, dict[str, Any]]:
    return {
        name: resource
        for name, resource in package.resources.items()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
    }


def test_alarms_exist_in_prod_only_and_tell_the_alarm_topic(package: Package) -> None:
    alarms = _alarms(package)
    assert alarms
    for name, alarm in alarms.items():
        assert alarm["Condition"] == "IsProd", name
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
    assert package.resources["AlarmTopic"]["Condition"] == "IsProd"
    conditions = package.template["Conditions"]
    assert conditions["IsProd"] == {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}


def _watched(alarm: dict[str, Any]) -> set[tuple[str, str]]:
    properties = alarm["Properties"]
    if "MetricName" in properties:
        return {(properties["Namespace"], properties["MetricName"])}
    return {
        (m["MetricStat"]["Metric"]["Namespace"], m["MetricStat"]["Metric"]["MetricName"])
        for m in properties["Metrics"]
        if "MetricStat" in m
    }


def test_alarms_watch_5xx_errors_throttles_dead_letters_job_failures_and_mail(
    package: Package,
) -> None:
    watched = set().union(*map(_watched, _alarms(package).values()))
    assert {
        ("AWS/ApiGateway", "5XXError"),
        ("AWS/Lambda", "Errors"),
        ("AWS/Lambda", "Throttles"),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
        ("Invoicing", "JobItemsFailed"),
        ("Invoicing", "EmailsRefused"),
        ("AWS/SES", "Bounce"),
        ("AWS/SES", "Complaint"),
    } <= watched
    for function in FUNCTIONS:
        for metric in ("Errors", "Throttles"):
            dimensions = _alarms(package)[f"{function}{metric}Alarm"]["Properties"]["Dimensions"]
            assert dimensions == [{"Name": "FunctionName", "Value": {"Ref": function}}]


def test_the_app_metrics_alarms_name_the_service_powertools_writes(package: Package) -> None:
    for name in ("JobItemsFailedAlarm", "EmailsRefusedAlarm"):
        dimensions = _alarms(package)[name]["Properties"]["Dimensions"]
        assert dimensions == [{"Name": "service", "Value": {"Ref": "AWS::StackName"}}]


def test_ses_events_reach_cloudwatch_under_the_dimension_the_alarms_read(
    package: Package,
) -> None:
    destination = package.resources["MailEventsToCloudWatch"]["Properties"]["EventDestination"]
    assert {"bounce", "complaint", "send"} <= set(destination["MatchingEventTypes"])
    (dimension,) = destination["CloudWatchDestination"]["DimensionConfigurations"]
    for name in ("MailBounceRateAlarm", "MailComplaintRateAlarm"):
        for metric in _alarms(package)[name]["Properties"]["Metrics"]:
            if "MetricStat" in metric:
                (used,) = metric["MetricStat"]["Metric"]["Dimensions"]
                assert used["Name"] == dimension["DimensionName"]
                assert used["Value"] == dimension["DefaultDimensionValue"]


@pytest.mark.parametrize("stage", STAGES)
def test_log_groups_keep_logs_for_the_stage_unless_told_otherwise(
    packages: dict[str, Package], stage: str
) -> None:
    resources = packages[stage].resources
    for name in ("FunctionLogGroup", "ApiAccessLogGroup"):
        retention = resources[name]["Properties"]["RetentionInDays"]
        assert retention == {
            "Fn::If": [
                "KeepsStageRetention",
                {"Fn::If": ["IsProd", 90, 14]},
                {"Ref": "LogRetentionInDays"},
            ]
        }, name


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_names_its_own_api_gateway_stage(
    packages: dict[str, Package], stage: str
) -> None:
    assert packages[stage].resources["RestAPI"]["Properties"]["StageName"] == stage
