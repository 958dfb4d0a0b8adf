"""Example requests and answers, taken from the documents whose endpoints the API serves
(api-docs/: the native API's and the four vendors'), kept as data in examples.json: the error
body under `problem`, and under `operations` by operationId, `request` by media type and
`answers` by status then media type, each example named and summarised. Where a document's
own example is one we refuse (a placeholder where a value is needed), its summary says what
stands in for the placeholder, or that it is refused as it is."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from openapi_pydantic import Example

ExamplesByMediaType = dict[str, dict[str, Example]]


@functools.cache
def _all() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(Path(__file__).with_name("examples.json").read_text())
    return loaded


def requested(operation_id: str) -> ExamplesByMediaType:
    return _examples(_of(operation_id).get("request", {}))


def answered(operation_id: str, status: int) -> ExamplesByMediaType:
    return _examples(_of(operation_id).get("answers", {}).get(str(status), {}))


def problem() -> dict[str, Example]:
    return _examples({"": _all()["problem"]})[""]


def _of(operation_id: str) -> dict[str, Any]:
    found: dict[str, Any] = _all()["operations"].get(operation_id, {})
    return found


def _examples(by_media_type: dict[str, dict[str, Any]]) -> ExamplesByMediaType:
    return {
        media_type: {name: Example.model_validate(example) for name, example in named.items()}
        for media_type, named in by_media_type.items()
    }
