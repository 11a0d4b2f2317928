"""Python values to DynamoDB attribute values and back, without float surprises, and the check
that a JSON value can be stored at all (DynamoDB's number range and precision, no empty map keys,
bounded nesting, valid UTF-8).

Numbers are exact: a `Decimal` (how `dynaguard.fastapi` parses request JSON) is stored digit for
digit, and a stored number comes back as an `int` when it is whole, else as the `Decimal`
DynamoDB returned, never as a float rounded to 17 digits."""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Context, Decimal
from typing import TYPE_CHECKING, Any, TypeAlias

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from pydantic import BaseModel

from dynaguard.store.errors import UnstorableValue

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

Wire: TypeAlias = "dict[str, AttributeValueTypeDef]"
"""An item, key or value map in DynamoDB's attribute-value encoding."""

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()
_EXACT = Context(prec=38)

MAX_DEPTH = 16
_MAX_DIGITS = 38
_MAX_EXPONENT = 125
_MIN_EXPONENT = -130


def _number(text: str) -> Decimal:
    return _EXACT.normalize(Decimal(text))


def _decimals(value: Any) -> Any:
    """JSON-shaped data with numbers as normalised Decimal (DynamoDB numbers are decimal)."""
    if isinstance(value, str | bool) or value is None:
        return value
    if isinstance(value, int | float):
        return _number(repr(value))
    if isinstance(value, Decimal):
        return _EXACT.normalize(value)
    if isinstance(value, dict):
        return {key: _decimals(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_decimals(item) for item in value]
    raise TypeError(f"cannot store a {type(value).__name__}")


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode (no lone surrogates)") from None


def _check_number(value: float | Decimal) -> None:
    if isinstance(value, float | Decimal) and not math.isfinite(value):
        raise ValueError("numbers must be finite")
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if number.is_zero():
        return
    digits = list(number.as_tuple().digits)
    while digits[-1] == 0:
        digits.pop()
    if len(digits) > _MAX_DIGITS:
        raise ValueError(f"numbers may have at most {_MAX_DIGITS} significant digits")
    if not _MIN_EXPONENT <= number.adjusted() <= _MAX_EXPONENT:
        raise ValueError("numbers must lie between 1e-130 and 9.99e125 in magnitude")


def check_storable(value: Any, depth: int = 1) -> None:
    """Raise ValueError (a 422 at the HTTP layer) unless DynamoDB can store `value` as given."""
    _check(value, depth, "")


def _check(value: Any, depth: int, path: str) -> None:
    if depth > MAX_DEPTH:
        raise ValueError(_at(path, f"data may nest at most {MAX_DEPTH} levels"))
    if isinstance(value, bool) or value is None:
        return
    try:
        if isinstance(value, int | float | Decimal):
            _check_number(value)
        elif isinstance(value, str):
            _check_text(value)
    except ValueError as error:
        raise ValueError(_at(path, str(error))) from None
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or key == "":
                raise ValueError(_at(path, "data keys must be non-empty strings"))
            try:
                _check_text(key)
            except ValueError as error:
                raise ValueError(_at(path, f"a key: {error}")) from None
            _check(item, depth + 1, f"{path}.{key}" if path else key)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check(item, depth + 1, f"{path}[{index}]")
    elif not isinstance(value, int | float | Decimal | str):
        raise ValueError(_at(path, f"unsupported value of type {type(value).__name__}"))


def _at(path: str, message: str) -> str:
    return f"{path}: {message}" if path else message


def model_values(model: BaseModel, include: set[str] | None = None) -> dict[str, Any]:
    """A model's fields in JSON form, for storing, with numbers kept exact (pydantic's JSON form
    writes a Decimal as a string, and rounds nothing only because it is a string). Pydantic's
    JSON form turns NaN and infinities into null, which would change the data silently; they
    are refused here instead."""
    python = model.model_dump(include=include)
    _finite(python, "")
    values: dict[str, Any] = exact_numbers(model.model_dump(mode="json", include=include), python)
    return values


def exact_numbers(json_form: Any, python_form: Any) -> Any:
    """`json_form` (a model's JSON dump) with every Decimal taken from `python_form` (its Python
    dump of the same shape): pydantic writes a Decimal as a string in JSON form."""
    if isinstance(python_form, Decimal):
        return python_form
    if isinstance(json_form, dict) and isinstance(python_form, dict):
        return {key: exact_numbers(value, python_form.get(key)) for key, value in json_form.items()}
    if isinstance(json_form, list) and isinstance(python_form, list | tuple):
        return [exact_numbers(a, b) for a, b in zip(json_form, python_form, strict=False)]
    return json_form


def _finite(value: Any, path: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise UnstorableValue(_at(path, "numbers must be finite"))
    if isinstance(value, dict):
        for key, item in value.items():
            _finite(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            _finite(item, f"{path}[{index}]")


def to_wire(attributes: Mapping[str, Any]) -> Wire:
    """A dict of JSON-compatible values as DynamoDB attribute values.

    This is where every value becomes a DynamoDB attribute, for every entity, so it is also where
    values DynamoDB cannot hold faithfully are refused (UnstorableValue, a 422): NaN and infinities,
    numbers beyond 38 significant digits or DynamoDB's exponent range (they would be rounded
    silently, or refused by DynamoDB), lone surrogates, empty map keys, deep nesting. The check
    runs before any request is sent, so a refused write changes nothing."""
    wire: Wire = {}
    for name, value in attributes.items():
        try:
            _check(value, 1, name.lstrip(":"))
            wire[name] = _serializer.serialize(_decimals(value))
        except (ValueError, TypeError, ArithmeticError) as error:
            raise UnstorableValue(str(error)) from None
    return wire


def from_wire(item: Mapping[str, Any]) -> dict[str, Any]:
    """A DynamoDB item as plain Python (whole numbers as int, others as the exact Decimal)."""
    return {name: _decoded(value) for name, value in item.items()}


def _decoded(value: Mapping[str, Any]) -> Any:
    """One attribute value as plain Python. The shapes JSON data is stored in (S, N, BOOL, NULL,
    M, L) are decoded here, once per attribute of every item a list returns; any other type (sets,
    binary) goes through boto3's deserializer, with the same result for numbers."""
    ((kind, held),) = value.items()
    if kind == "S":
        return held
    if kind == "N":
        return _plain_number(held)
    if kind == "M":
        return {name: _decoded(item) for name, item in held.items()}
    if kind == "L":
        return [_decoded(item) for item in held]
    if kind == "BOOL":
        return held
    if kind == "NULL":
        return None
    return _plain(_deserializer.deserialize(value))


def _plain_number(text: str) -> int | Decimal:
    digits = text[1:] if text.startswith("-") else text
    if digits.isascii() and digits.isdigit():
        return int(text)
    number = Decimal(text)
    return int(number) if number == number.to_integral_value() else number
