"""Python values to DynamoDB attribute values and back, without float surprises."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def _decimals(value: Any) -> Any:
    """JSON-shaped data with floats turned into Decimal (DynamoDB numbers are decimal)."""
    return json.loads(json.dumps(value), parse_float=Decimal)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def to_wire(attributes: dict[str, Any]) -> dict[str, Any]:
    """A dict of JSON-compatible values as DynamoDB attribute values."""
    return {name: _serializer.serialize(_decimals(value)) for name, value in attributes.items()}


def from_wire(item: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB item as plain Python (ints stay ints, other numbers become floats)."""
    return {name: _plain(_deserializer.deserialize(value)) for name, value in item.items()}
