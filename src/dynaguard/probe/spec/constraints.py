"""Whether one scalar satisfies a JSON Schema's own constraints (type, enum, pattern, lengths,
ranges, multipleOf, the common formats): used to pick, among candidate values, one the service's
validator will accept. Combiners and references are resolved by the caller."""

from __future__ import annotations

import datetime
import math
import re
import uuid
from typing import Any

from dynaguard.probe.spec.patterns import fits

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HOST = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9-]{1,63}\.)*[A-Za-z0-9-]{1,63}$")


def _type_ok(kind: Any, value: Any) -> bool:
    kinds = set(kind) if isinstance(kind, list) else {kind}
    if None in kinds:
        return True
    if isinstance(value, bool):
        return "boolean" in kinds
    if isinstance(value, int):
        return bool(kinds & {"integer", "number"})
    if isinstance(value, float):
        return "number" in kinds or ("integer" in kinds and value.is_integer())
    if isinstance(value, str):
        return "string" in kinds
    return False


def _format_ok(fmt: str, value: str) -> bool:
    checks = {
        "email": lambda v: bool(_EMAIL.match(v)),
        "uri": lambda v: "://" in v,
        "url": lambda v: "://" in v,
        "uuid": lambda v: bool(uuid.UUID(v)),
        "date": lambda v: bool(datetime.date.fromisoformat(v)) and len(v) == 10,
        "date-time": lambda v: bool(datetime.datetime.fromisoformat(v.replace("Z", "+00:00"))),
        "ipv4": lambda v: len(v.split(".")) == 4 and all(p.isdigit() for p in v.split(".")),
        "hostname": lambda v: bool(_HOST.match(v)),
    }
    check = checks.get(fmt)
    if check is None:
        return True
    try:
        return bool(check(value))
    except ValueError:
        return False


def _string_ok(schema: dict[str, Any], value: str) -> bool:
    if len(value) < int(schema.get("minLength", 0)):
        return False
    if "maxLength" in schema and len(value) > int(schema["maxLength"]):
        return False
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and not fits(pattern, value):
        return False
    fmt = schema.get("format")
    return not isinstance(fmt, str) or _format_ok(fmt, value)


def _number_ok(schema: dict[str, Any], value: float) -> bool:
    low, high = schema.get("minimum"), schema.get("maximum")
    if isinstance(low, (int, float)) and value < low:
        return False
    if isinstance(high, (int, float)) and value > high:
        return False
    low, high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if isinstance(low, (int, float)) and not isinstance(low, bool) and value <= low:
        return False
    if isinstance(high, (int, float)) and not isinstance(high, bool) and value >= high:
        return False
    step = schema.get("multipleOf")
    if isinstance(step, (int, float)) and step > 0:
        ratio = value / step
        return math.isclose(ratio, round(ratio), abs_tol=1e-9)
    return True


def satisfies(schema: dict[str, Any], value: Any) -> bool:
    """True when `value` passes every scalar constraint `schema` states."""
    if "const" in schema and value != schema["const"]:
        return False
    if isinstance(schema.get("enum"), list) and value not in schema["enum"]:
        return False
    if not _type_ok(schema.get("type"), value):
        return False
    if isinstance(value, str):
        return _string_ok(schema, value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _number_ok(schema, value)
    return True
