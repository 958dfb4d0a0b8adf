"""What the functions tell CloudWatch, through Powertools: one JSON logger and the EMF metrics
(namespace and service from the environment), flushed once per invocation (decision 0045)."""

from __future__ import annotations

import functools
import os
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools import Metrics as PowertoolsMetrics
from aws_lambda_powertools.metrics import MetricUnit

SERVICE = "invoicing"
NAMESPACE = "Invoicing"

# JSON lines on stdout, at POWERTOOLS_LOG_LEVEL (INFO unless set): Lambda's root logger is at
# WARNING, so the jobs' summaries and the request lines go through this one.
logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", SERVICE))


class EmfMetrics:
    """The Metrics port (chalicelib/ports.py) as CloudWatch embedded metrics: counts gather in
    Powertools' set and leave as one EMF line when `flush` is called."""

    def __init__(self, namespace: str, service: str) -> None:
        self._metrics = PowertoolsMetrics(namespace=namespace, service=service)

    def count(self, name: str, value: int = 1) -> None:
        if value:
            self._metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)

    def flush(self, **metadata: str) -> None:
        """Print what was counted since the last flush, with `metadata` (not dimensions: a
        tenant per dimension would be a metric per tenant); nothing when nothing was."""
        if not self._metrics.metric_set:
            return
        for key, value in metadata.items():
            self._metrics.add_metadata(key=key, value=value)
        self._metrics.flush_metrics()


@functools.cache
def emf_metrics() -> EmfMetrics:
    return EmfMetrics(
        namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", NAMESPACE),
        service=os.environ.get("POWERTOOLS_SERVICE_NAME", SERVICE),
    )


class CallCounter:
    """The DynamoDB calls this process's clients made (as tests/support.DynamoCalls counts them:
    one per operation, whatever its retries), read before and after a request to log what it
    cost; Lambda handles one request at a time per process."""

    def __init__(self) -> None:
        self.count = 0

    def sent(self, **_: Any) -> None:
        self.count += 1


dynamodb_calls = CallCounter()
