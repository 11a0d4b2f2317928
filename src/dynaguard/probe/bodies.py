"""Request bodies from JSON Schema, with the canary in every free-text field the schema allows."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from dynaguard.probe.document import Document

SENSITIVE = frozenset(
    {
        "owner", "owner_id", "ownerid", "user_id", "userid", "created_by", "createdby",
        "org_id", "orgid", "tenant_id", "tenantid", "organization_id", "account_id",
        "role", "roles", "is_admin", "isadmin", "admin", "sub", "principal",
    }
)  # fmt: skip
_MAX_DEPTH = 6


@dataclass
class BodyContext:
    """What to plant: the canary, plus values to use for required fields naming the caller."""

    document: Document
    canary: str
    own: dict[str, str]


def generate(schema: Any, ctx: BodyContext, name: str = "", depth: int = 0) -> Any:
    """A value valid for `schema` where we can tell; free text carries `ctx.canary`."""
    schema = ctx.document.deref(schema)
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return None
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return next((v for v in schema["enum"] if v is not None), schema["enum"][0])
    if "allOf" in schema:
        merged = _merge_all_of(schema, ctx.document)
        return generate(merged, ctx, name, depth + 1)
    for combiner in ("anyOf", "oneOf"):
        if isinstance(schema.get(combiner), list):
            options = [ctx.document.deref(option) for option in schema[combiner]]
            usable = [o for o in options if isinstance(o, dict) and o.get("type") != "null"]
            return generate(usable[0], ctx, name, depth + 1) if usable else None
    kind = _type_of(schema)
    if kind == "object":
        return _object(schema, ctx, depth)
    if kind == "array":
        count = max(1, int(schema.get("minItems", 1)))
        return [generate(schema.get("items", {}), ctx, name, depth + 1) for _ in range(count)]
    if kind == "integer" or kind == "number":
        return _number(schema, kind)
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    return _string(schema, ctx, name)


def _type_of(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        return "object" if "properties" in schema else "string"
    return str(kind)


def _merge_all_of(schema: dict[str, Any], document: Document) -> dict[str, Any]:
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    for part in schema["allOf"]:
        part = document.deref(part)
        if not isinstance(part, dict):
            continue
        for key, value in part.items():
            if key == "properties":
                merged.setdefault("properties", {}).update(value)
            elif key == "required":
                merged["required"] = [*merged.get("required", []), *value]
            else:
                merged.setdefault(key, value)
    return merged


def _object(schema: dict[str, Any], ctx: BodyContext, depth: int) -> dict[str, Any]:
    required = set(schema.get("required") or ())
    result: dict[str, Any] = {}
    if not schema.get("properties") and schema.get("additionalProperties", True) is not False:
        return {"note": ctx.canary}
    for prop, sub in (schema.get("properties") or {}).items():
        sub = ctx.document.deref(sub)
        if isinstance(sub, dict) and sub.get("readOnly"):
            continue
        sensitive = prop.lower() in SENSITIVE
        if sensitive and prop not in required:
            continue
        if sensitive and prop in ctx.own:
            result[prop] = ctx.own[prop]
            continue
        result[prop] = generate(sub, ctx, prop, depth + 1)
    return result


def _number(schema: dict[str, Any], kind: str) -> int | float:
    low = schema.get("minimum", schema.get("exclusiveMinimum", 1))
    if isinstance(schema.get("exclusiveMinimum"), (int, float)):
        low = schema["exclusiveMinimum"] + 1
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    value = max(1, low) if isinstance(low, (int, float)) else 1
    if isinstance(high, (int, float)) and value > high:
        value = high
    return int(value) if kind == "integer" else float(value)


def _string(schema: dict[str, Any], ctx: BodyContext, name: str) -> str:
    fmt = schema.get("format")
    if fmt == "email":
        return f"{ctx.canary}@example.com"
    if fmt in ("uri", "url"):
        return f"https://example.com/{ctx.canary}"
    if fmt == "uuid":
        return str(uuid.uuid4())
    if fmt == "date-time":
        return "2024-01-01T00:00:00Z"
    if fmt == "date":
        return "2024-01-01"
    low = int(schema.get("minLength", 0))
    high = int(schema.get("maxLength", 10_000))
    candidates = [ctx.canary, ctx.canary.upper(), ctx.canary + "-x", "x" * max(low, 1)]
    pattern = schema.get("pattern")
    for candidate in candidates:
        value = candidate.ljust(low, "x")
        if len(value) > high:
            continue
        if isinstance(pattern, str) and not _fits(pattern, value):
            continue
        return value
    return ("x" * max(low, 1))[: max(high, 1)]


def _fits(pattern: str, value: str) -> bool:
    try:
        return re.search(pattern, value) is not None
    except re.error:
        return True
