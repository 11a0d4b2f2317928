"""What a refused body's error answer says about its fields: FastAPI/pydantic `detail` lists
(`loc`, `type`, `ctx`), marshmallow and webargs maps (`{"errors": {"json": {"field": ["Not a valid
integer."]}}}`), flask-restx `errors`, or a plain message naming a field. Each complaint names the
field's path in the body, whether it was missing, unknown or invalid, and any constraint the
message states (as JSON Schema keywords), so the create can be retried with those fields fixed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

MISSING = "missing"
UNKNOWN = "unknown"
INVALID = "invalid"

_LOCATIONS = frozenset({"body", "json", "form", "data", "query", "payload", "files"})
_PYDANTIC_KINDS = {"missing": MISSING, "extra_forbidden": UNKNOWN}
_PYDANTIC_BOUNDS = {
    "ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum",
    "min_length": "minLength", "max_length": "maxLength", "pattern": "pattern",
    "multiple_of": "multipleOf",
}  # fmt: skip
_NUMBER = r"(-?[0-9]+(?:\.[0-9]+)?)"


@dataclass
class Complaint:
    """One field the service named; `hints` are JSON Schema keywords its message implies."""

    path: tuple[str, ...]
    kind: str = INVALID
    hints: dict[str, Any] = field(default_factory=dict)


def read(data: Any, fields: set[str]) -> list[Complaint]:
    """Complaints in an error answer; `fields` are the body's property names (at any depth),
    used to recognise maps keyed by field and plain messages naming one."""
    found: list[Complaint] = []
    detail = data.get("detail") if isinstance(data, dict) else None
    entries = detail if isinstance(detail, list) else data if isinstance(data, list) else []
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("loc"), list):
            found.append(_pydantic(entry))
    if not found:
        _maps(data, fields, found, 0)
    if not found:
        text = str(data)
        found = [Complaint((name,)) for name in sorted(fields) if re.search(rf"\b{name}\b", text)]
    return [complaint for complaint in found if complaint.path]


def _pydantic(entry: dict[str, Any]) -> Complaint:
    path = tuple(str(part) for part in entry["loc"] if not isinstance(part, int))
    if path and path[0] in _LOCATIONS:
        path = path[1:]
    kind = str(entry.get("type", ""))
    hints: dict[str, Any] = {}
    context: dict[str, Any] = entry["ctx"] if isinstance(entry.get("ctx"), dict) else {}
    for key, keyword in _PYDANTIC_BOUNDS.items():
        if key in context:
            hints[keyword] = context[key]
    expected = context.get("expected")
    if isinstance(expected, str):
        options = re.findall(r"'([^']*)'", expected)
        if options:
            hints["enum"] = options
    if kind.startswith(("int_", "integer")):
        hints["type"] = "integer"
    elif kind.startswith(("float", "decimal")):
        hints["type"] = "number"
    elif kind.startswith("bool"):
        hints["type"] = "boolean"
    return Complaint(path, _PYDANTIC_KINDS.get(kind, INVALID), hints)


def _maps(data: Any, fields: set[str], found: list[Complaint], depth: int) -> None:
    """`{"field": ["message", ...]}` maps at any depth (marshmallow, webargs, flask-restx)."""
    if not isinstance(data, dict) or depth > 3:
        return
    for key, value in data.items():
        messages = value if isinstance(value, list) else [value]
        if key in fields and all(isinstance(m, str) for m in messages) and messages:
            found.append(_marshmallow(str(key), " ".join(str(m) for m in messages)))
        elif isinstance(value, dict):
            before = len(found)
            _maps(value, fields, found, depth + 1)
            if key in fields and len(found) == before:
                found.append(Complaint((str(key),)))
            elif key in fields:
                nested = found[before:]
                found[before:] = [Complaint((str(key), *c.path), c.kind, c.hints) for c in nested]


def _marshmallow(name: str, message: str) -> Complaint:
    lowered = message.lower()
    if "missing" in lowered or "required" in lowered:
        return Complaint((name,), MISSING)
    if "unknown field" in lowered or "not allowed" in lowered:
        return Complaint((name,), UNKNOWN)
    hints: dict[str, Any] = {}
    one_of = re.search(r"one of:?\s*(.+?)\.?$", message, re.I)
    if one_of:
        hints["enum"] = [v.strip().strip("'\"") for v in one_of.group(1).split(",") if v.strip()]
    low = re.search(rf"greater than or equal to {_NUMBER}", lowered)
    high = re.search(rf"less than or equal to {_NUMBER}", lowered)
    if low:
        hints["minimum"] = float(low.group(1))
    if high:
        hints["maximum"] = float(high.group(1))
    length = re.search(rf"length must be between {_NUMBER} and {_NUMBER}", lowered)
    if length:
        hints["minLength"], hints["maxLength"] = int(length.group(1)), int(length.group(2))
    if "valid integer" in lowered:
        hints["type"] = "integer"
    elif "valid number" in lowered:
        hints["type"] = "number"
    elif "valid email" in lowered:
        hints["format"] = "email"
    elif "valid url" in lowered:
        hints["format"] = "uri"
    elif "valid date" in lowered:
        hints["format"] = "date-time" if "datetime" in lowered else "date"
    return Complaint((name,), INVALID, hints)
