"""JSON Schemas of the types operations name, as they travel on the wire: pydantic's own, with
amounts as the JSON numbers the API writes (pydantic would say strings), and pydantic's
constraint names turned into JSON Schema's where it leaves them as it found them."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Literal

from pydantic import TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

Mode = Literal["validation", "serialization"]
REF_TEMPLATE = "#/components/schemas/{model}"
# What Decimal() reads from text, in the digits 0-9 (commands read amounts given as text so).
DECIMAL_TEXT = r"^\s*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?\s*$"
_CONSTRAINTS = {
    "ge": "minimum",
    "le": "maximum",
    "gt": "exclusiveMinimum",
    "lt": "exclusiveMaximum",
}
# Precision no JSON Schema keyword states exactly (multipleOf is inexact on binary floats).
_UNSTATED = frozenset({"decimal_places", "max_digits"})
# Keywords whose value maps names to schemas, and keywords whose value is data, not a schema.
_NAMED_SCHEMAS = frozenset({"properties", "patternProperties", "$defs", "dependentSchemas"})
_DATA = frozenset({"default", "examples", "const", "enum"})


class WireJsonSchema(GenerateJsonSchema):
    def decimal_schema(self, schema: core_schema.DecimalSchema) -> JsonSchemaValue:
        """The API writes exact decimals as JSON numbers (http.json_response) and reads a
        number or its text."""
        if self.mode == "serialization":
            return {"type": "number"}
        return super().decimal_schema(schema)

    def get_decimal_pattern(self, schema: core_schema.DecimalSchema) -> str | None:  # noqa: ARG002
        return DECIMAL_TEXT

    def encode_default(self, dft: Any) -> Any:
        """A Decimal default (`Decimal(0)`) as the number it is, not pydantic's string."""
        if isinstance(dft, Decimal):
            return _number(dft)
        return super().encode_default(dft)

    def field_title_should_be_set(self, schema: CoreSchema) -> bool:  # noqa: ARG002
        """A field's name says it: pydantic's titles ("Paymenttermdays") would only add noise."""
        return False


class SchemaSet:
    """Every type the operations name, made into schemas together, so that each model is one
    component every schema naming it refers to."""

    def __init__(self) -> None:
        self._types: dict[tuple[int, Mode], Any] = {}
        self._schemas: dict[tuple[int, Mode], JsonSchemaValue] = {}
        self._components: dict[str, JsonSchemaValue] = {}

    def add(self, types: Iterable[tuple[Any, Mode]]) -> None:
        for type_, mode in types:
            self._types[(id(type_), mode)] = type_

    def build(self) -> None:
        inputs = [(key, key[1], TypeAdapter(type_)) for key, type_ in self._types.items()]
        schemas, definitions = TypeAdapter.json_schemas(
            inputs, ref_template=REF_TEMPLATE, schema_generator=WireJsonSchema
        )
        self._schemas = {key: tidy(schema) for (key, _mode), schema in schemas.items()}
        self._components = {
            name: _titled(name, tidy(schema))
            for name, schema in sorted(definitions.get("$defs", {}).items())
        }

    def schema(self, type_: Any, mode: Mode) -> JsonSchemaValue:
        return self._schemas[(id(type_), mode)]

    @property
    def components(self) -> dict[str, JsonSchemaValue]:
        return self._components


def tidy(schema: Any) -> Any:
    """`ge`, `le`, `gt`, `lt` as JSON Schema names them (pydantic leaves them so on a decimal it
    validates with functions of ours), and the precision it cannot state left out."""
    if isinstance(schema, list):
        return [tidy(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    tidied: dict[str, Any] = {}
    for keyword, value in schema.items():
        if keyword in _NAMED_SCHEMAS:
            tidied[keyword] = {name: tidy(inner) for name, inner in value.items()}
        elif keyword in _CONSTRAINTS:
            tidied.setdefault(_CONSTRAINTS[keyword], _number(value))
        elif keyword not in _UNSTATED:
            tidied[keyword] = value if keyword in _DATA else tidy(value)
    return tidied


def _titled(name: str, schema: JsonSchemaValue) -> JsonSchemaValue:
    """A component titled by its own name. pydantic titles both halves of a model it splits into
    `-Input` and `-Output` with the class's name, and client generators name their classes by
    title, so the two halves would take one name (openapi-python-client refuses the document)."""
    return {**schema, "title": name} if "title" in schema else schema


def _number(value: Any) -> int | float:
    number = Decimal(str(value))
    return int(number) if number == number.to_integral_value() else float(number)
