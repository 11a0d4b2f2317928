"""The codec's read path: `from_wire` decodes the JSON shapes itself and must give exactly what
boto3's deserializer gives (whole numbers as int); records read from the table answer their
fields as stored, which must be what dumping their fields would give."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import Binary, TypeDeserializer
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from dynaguard.auth.testing import principal
from dynaguard.store import EntityType, Store
from dynaguard.store.codec import from_wire, model_values, to_wire
from dynaguard.store.cursor import CursorSealer
from dynaguard.store.entity import record_from


def _whole_as_int(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, dict):
        return {key: _whole_as_int(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_whole_as_int(item) for item in value]
    return value


def _reference(wire: dict[str, Any]) -> dict[str, Any]:
    deserializer = TypeDeserializer()
    return {name: _whole_as_int(deserializer.deserialize(value)) for name, value in wire.items()}


_numbers = st.integers(min_value=-(10**37), max_value=10**37) | st.decimals(
    allow_nan=False, allow_infinity=False, places=6, min_value=-(10**20), max_value=10**20
)
_scalars = st.none() | st.booleans() | st.text(max_size=20) | _numbers
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(min_size=1), inner),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=8), _json, max_size=5))
def test_from_wire_decodes_what_to_wire_encodes_as_boto3_would(attributes: dict[str, Any]) -> None:
    wire = to_wire(attributes)
    decoded = from_wire(wire)
    assert decoded == _reference(dict(wire))
    assert [type(value) for value in decoded.values()] == [
        type(value) for value in _reference(dict(wire)).values()
    ]


def test_numbers_keep_their_exact_form() -> None:
    decoded = from_wire(
        {"a": {"N": "1.50"}, "b": {"N": "-12"}, "c": {"N": "1E+2"}, "d": {"N": "0.1"}}
    )
    assert decoded == {"a": Decimal("1.50"), "b": -12, "c": 100, "d": Decimal("0.1")}
    assert str(decoded["a"]) == "1.50" and type(decoded["c"]) is int


def test_other_types_go_through_boto3() -> None:
    wire = {"ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2.5"]}, "b": {"B": b"\x00x"}}
    assert from_wire(wire) == {
        "ss": {"a", "b"},
        "ns": {Decimal(1), Decimal("2.5")},
        "b": Binary(b"\x00x"),
    }


class _Fields(BaseModel):
    name: str
    data: dict[str, Any] = {}
    score: Decimal = Decimal(0)


_THINGS = EntityType("THING", _Fields)


def test_a_record_read_back_answers_what_dumping_its_fields_gives(
    ddb: Any, table_name: str
) -> None:
    store = Store(ddb, table_name, CursorSealer(b"s" * 32, ttl_seconds=60))
    alice = store.owned(principal("alice", "acme"), _THINGS)
    fields = _Fields(name="n", data={"x": [1, Decimal("2.50"), {"y": None}]}, score=Decimal("0.10"))
    created = alice.create(fields)
    for record in (alice.get(created.item_id), alice.page(10).records[0]):
        assert record.stored_fields is not None
        assert record.as_dict() == {**created.as_dict(), **model_values(record.fields)}
        assert str(record.as_dict()["score"]) == "0.1"  # normalised once, on the way in


def test_a_record_missing_a_field_dumps_its_model() -> None:
    stored = {
        "item_id": "i",
        "org_id": "acme",
        "owner_id": "alice",
        "version": 1,
        "created_at": "t",
        "updated_at": "t",
        "name": "n",
    }
    record = record_from(_THINGS, stored)
    assert record.stored_fields is None
    assert record.as_dict()["data"] == {} and record.as_dict()["score"] == 0
