"""DynamoDB Local runs in one of two JVMs (decision 0047): the local stack's for long runs and
long lists, the tests' small one; DYNAMODB_LOCAL_JVM_OPTIONS replaces either."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from invoicing_cli import dynamodb_local
from invoicing_cli.stack import LocalStack


def test_the_variable_replaces_the_options_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(dynamodb_local.JVM_OPTIONS_VARIABLE, raising=False)
    assert dynamodb_local.jvm_options(dynamodb_local.SERVING_JVM) == dynamodb_local.SERVING_JVM
    monkeypatch.setenv(dynamodb_local.JVM_OPTIONS_VARIABLE, "-Xmx64m  -XX:+UseSerialGC")
    assert dynamodb_local.jvm_options(dynamodb_local.SERVING_JVM) == ("-Xmx64m", "-XX:+UseSerialGC")


def test_the_serving_jvm_is_bounded_and_compiles_fully() -> None:
    assert "-Xmx1g" in dynamodb_local.SERVING_JVM
    assert not any("TieredStopAtLevel" in option for option in dynamodb_local.SERVING_JVM)
    assert "-XX:TieredStopAtLevel=1" in dynamodb_local.SMALL_JVM


def test_the_local_stack_asks_for_the_serving_jvm(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    asked: dict[str, Any] = {}

    def start(log: Path, **options: Any) -> tuple[str, Any]:
        asked.update(options)
        raise dynamodb_local.DynamoDBLocalError("not started in a unit test")

    monkeypatch.setattr(dynamodb_local, "java", lambda: "/usr/bin/java")
    monkeypatch.setattr(dynamodb_local, "JAR", Path(__file__))  # a file that exists
    monkeypatch.setattr(dynamodb_local, "start", start)
    stack = LocalStack(host="127.0.0.1", port=0, reload=False, echo=print, work_dir=tmp_path)
    with pytest.raises(Exception, match="not started in a unit test"):
        stack.start()
    assert asked == {"data_dir": tmp_path, "jvm": dynamodb_local.SERVING_JVM}
