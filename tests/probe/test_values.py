"""The value generator: bodies that satisfy every constraint a schema states (patterns, formats,
enums, lengths, ranges, steps), values the field names ask for (a Luhn-valid card, a future
expiry, a CVV), the canary wherever free text fits, and the same body on every run."""

from __future__ import annotations

import datetime
import re
from typing import Any

import jsonschema
import pytest

from dynaguard.probe.spec.bodies import BodyContext, generate
from dynaguard.probe.spec.document import Document
from dynaguard.probe.spec.meaning import luhn_valid

CANARY = "dgc0123abcd"

CONSTRAINED: dict[str, Any] = {
    "type": "object",
    "required": [
        "card_number", "expiry_month", "expiry_year", "cvv", "holder", "postcode", "phone",
        "sku", "code", "reference", "country", "email", "website", "birth_date", "ordered_at",
        "colour", "quantity", "price", "discount", "rating", "size", "exp_month", "exp_year",
        "expiry", "kind", "token", "tags", "slot",
    ],
    "properties": {
        "card_number": {"type": "string", "pattern": "^[0-9]{13,19}$"},
        "expiry_month": {"type": "string", "pattern": "^0[1-9]|1[0-2]$"},
        "expiry_year": {"type": "string", "pattern": "^20[2-9][0-9]$"},
        "cvv": {"type": "string", "pattern": "^[0-9]{3,4}$"},
        "holder": {"type": "string", "minLength": 2, "maxLength": 40},
        "postcode": {"type": "string", "pattern": "^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$"},
        "phone": {"type": "string", "pattern": r"^\+[1-9][0-9]{7,14}$"},
        "sku": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{4}$"},
        "code": {"type": "string", "minLength": 16, "maxLength": 16},
        "reference": {"type": "string", "pattern": "^REF[0-9]{6}$", "maxLength": 9},
        "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
        "email": {"type": "string", "format": "email"},
        "website": {"type": "string", "format": "uri"},
        "birth_date": {"type": "string", "format": "date"},
        "ordered_at": {"type": "string", "format": "date-time"},
        "colour": {"type": "string", "enum": ["red", "green"]},
        "quantity": {"type": "integer", "minimum": 5, "maximum": 9},
        "price": {"type": "number", "exclusiveMinimum": 0, "maximum": 0.75},
        "discount": {"type": "integer", "minimum": 10, "multipleOf": 5},
        "rating": {"type": "integer", "maximum": -1},
        "size": {"type": "integer", "exclusiveMinimum": 3, "exclusiveMaximum": 5},
        "exp_month": {"type": "integer", "minimum": 1, "maximum": 12},
        "exp_year": {"type": "integer", "minimum": 2024, "maximum": 2099},
        "expiry": {"type": "string", "pattern": "^(0[1-9]|1[0-2])/[0-9]{2}$"},
        "kind": {"$ref": "#/components/schemas/Kind"},
        "token": {"type": "string", "pattern": "^[a-f0-9]{8}$", "minLength": 8},
        "tags": {"type": "array", "minItems": 2, "items": {"type": "string", "maxLength": 3}},
        "slot": {"anyOf": [{"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}$"}, {"type": "null"}]},
    },
}  # fmt: skip
COMPONENTS = {"schemas": {"Kind": {"type": "string", "enum": ["gift", "standard"]}}}


def _body(schema: dict[str, Any] = CONSTRAINED, canary: str = CANARY) -> Any:
    document = Document({"openapi": "3.0.3", "paths": {}, "components": COMPONENTS}, "test")
    return generate(schema, BodyContext(document, canary, {}, full=True))


def _future(month: int, year: int) -> bool:
    today = datetime.date.today()
    year = year if year > 100 else 2000 + year
    return (year, month) > (today.year, today.month)


def test_every_constraint_of_the_schema_is_satisfied() -> None:
    body = _body()
    full = {**CONSTRAINED, "components": COMPONENTS}
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    errors = list(jsonschema.Draft202012Validator(full, format_checker=checker).iter_errors(body))
    assert errors == [], [f"{e.json_path}: {e.message}" for e in errors]
    assert set(body) == set(CONSTRAINED["required"])


def test_card_expiry_and_cvv_pass_the_usual_checks() -> None:
    body = _body()
    assert luhn_valid(body["card_number"]) and body["card_number"].startswith(("4", "5", "3"))
    assert _future(int(body["expiry_month"]), int(body["expiry_year"]))
    assert _future(body["exp_month"], body["exp_year"])
    month, year = body["expiry"].split("/")
    assert _future(int(month), int(year))
    assert re.fullmatch(r"[0-9]{3,4}", body["cvv"])


def test_luhn_check_tells_valid_from_invalid_numbers() -> None:
    assert luhn_valid("4242424242424242") and luhn_valid("378282246310005")
    assert not luhn_valid("4242424242424241") and not luhn_valid("0000 0000 0000")


def test_free_text_carries_the_canary_and_formats_carry_it_too() -> None:
    body = _body()
    assert CANARY in body["holder"] and CANARY in body["email"] and CANARY in body["website"]


def test_the_same_schema_gives_the_same_body_every_run() -> None:
    assert _body() == _body()
    other = _body(canary="dgc999999999")
    fixed = {k: v for k, v in other.items() if "dgc999999999" not in str(v)}
    assert fixed == {k: v for k, v in _body().items() if CANARY not in str(v)}
    assert len(fixed) == len(other) - 4  # only the four canary-carrying fields differ


@pytest.mark.parametrize(
    ("name", "schema", "expected"),
    [
        ("phone", {"type": "string"}, "+14155550123"),
        ("zip_code", {"type": "string", "pattern": "^[0-9]{5}$"}, "94105"),
        ("title", {"type": "string", "pattern": "^[a-z]+$", "maxLength": 4}, "a"),
    ],
)
def test_name_meaning_then_pattern(name: str, schema: dict[str, Any], expected: str) -> None:
    body = _body({"type": "object", "required": [name], "properties": {name: schema}})
    assert body == {name: expected}
