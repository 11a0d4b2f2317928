"""`exact_dumps` writes every `Decimal` as the number it holds: through the C encoder when the
float prints the same digits, through the exact encoder otherwise. Both paths give the same text
as writing `str(value)` for each number."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from dynaguard.fastapi.exact_json import exact_dumps

NUMBERS = [
    "12.34",
    "0.1",
    "-0.5",
    "100.25",
    "3.141592653589793",
    "0.12345678901234567890123",
    "12345678901234567890.5",
    "1E+2",
    "1.0",
    "-0.0",
    "2.50",
    "1e-7",
    "123456789.123456789",
]


def _by_hand(value: Any) -> str:
    """The expected text: each Decimal as `str(value)`, everything else as `json.dumps`."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        inner = ",".join(
            f"{json.dumps(k, ensure_ascii=False)}:{_by_hand(v)}" for k, v in value.items()
        )
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + ",".join(_by_hand(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


@pytest.mark.parametrize("text", NUMBERS)
def test_every_decimal_is_written_as_the_number_it_holds(text: str) -> None:
    content = {"name": "ü", "data": {"n": Decimal(text), "list": [1, Decimal(text), "x"]}}
    assert exact_dumps(content).decode() == _by_hand(content)
    assert json.loads(exact_dumps(content), parse_float=Decimal)["data"]["n"] == Decimal(text)


def test_a_decimal_the_float_would_change_is_never_rounded() -> None:
    content = {"a": Decimal("0.1"), "b": Decimal("0.12345678901234567890123")}
    assert exact_dumps(content) == b'{"a":0.1,"b":0.12345678901234567890123}'
