"""Reading a refused body's error answer: which fields it names, and what it says about them."""

from __future__ import annotations

from dynaguard.probe.engine.complaints import INVALID, MISSING, UNKNOWN, read

FIELDS = {"card_number", "expiry_month", "quantity", "colour", "nickname", "card", "number"}


def test_pydantic_detail_list() -> None:
    detail = [
        {"type": "missing", "loc": ["body", "card_number"], "msg": "Field required"},
        {
            "type": "string_pattern_mismatch",
            "loc": ["body", "expiry_month"],
            "msg": "String should match pattern '^(0[1-9]|1[0-2])$'",
            "ctx": {"pattern": "^(0[1-9]|1[0-2])$"},
        },
        {"type": "less_than_equal", "loc": ["body", "quantity"], "ctx": {"le": 10}},
        {"type": "enum", "loc": ["body", "colour"], "ctx": {"expected": "'red' or 'green'"}},
        {"type": "extra_forbidden", "loc": ["body", "nickname"]},
        {"type": "int_parsing", "loc": ["body", "card", "number"]},
    ]
    found = {c.path: (c.kind, c.hints) for c in read({"detail": detail}, FIELDS)}
    assert found == {
        ("card_number",): (MISSING, {}),
        ("expiry_month",): (INVALID, {"pattern": "^(0[1-9]|1[0-2])$"}),
        ("quantity",): (INVALID, {"maximum": 10}),
        ("colour",): (INVALID, {"enum": ["red", "green"]}),
        ("nickname",): (UNKNOWN, {}),
        ("card", "number"): (INVALID, {"type": "integer"}),
    }


def test_marshmallow_and_webargs_maps() -> None:
    answer = {
        "code": 422,
        "errors": {
            "json": {
                "card_number": ["Missing data for required field."],
                "quantity": ["Must be greater than or equal to 1 and less than or equal to 10."],
                "colour": ["Must be one of: red, green."],
                "nickname": ["Unknown field."],
                "card": {"number": ["Not a valid integer."]},
            }
        },
    }
    found = {c.path: (c.kind, c.hints) for c in read(answer, FIELDS)}
    assert found == {
        ("card_number",): (MISSING, {}),
        ("quantity",): (INVALID, {"minimum": 1.0, "maximum": 10.0}),
        ("colour",): (INVALID, {"enum": ["red", "green"]}),
        ("nickname",): (UNKNOWN, {}),
        ("card", "number"): (INVALID, {"type": "integer"}),
    }


def test_a_plain_message_naming_a_field() -> None:
    found = read({"detail": "card_number: fails the Luhn check"}, FIELDS)
    assert [(c.path, c.kind) for c in found] == [(("card_number",), INVALID)]
    assert read({"detail": "Not enough permissions"}, FIELDS) == []
