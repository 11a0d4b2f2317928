"""Request bodies from JSON Schema, with the canary in every free-text field the schema allows."""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from dynaguard.probe.spec import meaning
from dynaguard.probe.spec.constraints import satisfies
from dynaguard.probe.spec.document import Document
from dynaguard.probe.spec.patterns import matching

SENSITIVE = frozenset(
    {
        "owner", "owner_id", "ownerid", "user_id", "userid", "created_by", "createdby",
        "org_id", "orgid", "tenant_id", "tenantid", "organization_id", "account_id",
        "role", "roles", "is_admin", "isadmin", "admin", "sub", "principal",
    }
)  # fmt: skip
_MAX_DEPTH = 6
IDENTITY_FIELDS = frozenset(
    {"username", "user_name", "login", "email", "email_address", "password", "passwd"}
)
PRIVILEGED = re.compile(r"admin|super|root|owner|staff|manager|moderator|operator", re.I)
ENUM_LIKE = frozenset({"role", "roles", "status", "type", "state", "kind", "level", "tier"})
_RISKY = re.compile(r"(_id|Id|_ids|Ids|url|uri|link|href|email|password|token|_at|date|time)$")


@dataclass
class BodyContext:
    """What to plant: the canary, plus values to use for required fields naming the caller.

    `full` is the retry: the first try sends the required fields and plain optional text only,
    because optional foreign keys and URLs filled with junk make real services refuse creates.
    `avoid` holds values a service already refused, by field name (the next candidate is sent)."""

    document: Document
    canary: str
    own: dict[str, str]
    full: bool = False
    links: dict[str, str] = field(default_factory=dict)
    seen: dict[str, set[str]] = field(default_factory=dict)
    withheld: set[str] = field(default_factory=set)
    avoid: dict[str, Any] = field(default_factory=dict)


def is_plain_text(prop: str, schema: Any) -> bool:
    """An optional field that is safe to fill on the first try: free text with no format."""
    if not isinstance(schema, dict) or _RISKY.search(prop) or prop.lower() in IDENTITY_FIELDS:
        return False
    kind = schema.get("type")
    kinds = set(kind) - {"null"} if isinstance(kind, list) else {kind}
    if not kinds <= {"string", None} or "enum" in schema or "format" in schema:
        return False
    return "pattern" not in schema and not any(k in schema for k in ("$ref", "anyOf", "oneOf"))


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
        return _number(schema, kind, name, ctx)
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    return _string(schema, ctx, name)


def field_schema(schema: Any, path: tuple[str, ...], document: Document) -> dict[str, Any]:
    """The schema of one field of a body (`("card", "number")`), through `allOf` and nullable
    `anyOf`; {} when the document does not declare it."""
    for name in path:
        schema = document.deref(schema)
        if isinstance(schema, dict) and "allOf" in schema:
            schema = _merge_all_of(schema, document)
        if isinstance(schema, dict) and isinstance(schema.get("anyOf"), list):
            options = [document.deref(o) for o in schema["anyOf"]]
            schema = next((o for o in options if isinstance(o, dict) and "properties" in o), schema)
        properties = schema.get("properties") if isinstance(schema, dict) else None
        schema = properties.get(name) if isinstance(properties, dict) else None
    schema = document.deref(schema)
    return schema if isinstance(schema, dict) else {}


def property_names(schema: Any, document: Document, depth: int = 0) -> set[str]:
    """Every property name a body schema declares, at any depth."""
    schema = document.deref(schema)
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return set()
    found: set[str] = set()
    for combiner in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(combiner) or ():
            found |= property_names(part, document, depth + 1)
    for name, sub in (schema.get("properties") or {}).items():
        found |= {name, *property_names(sub, document, depth + 1)}
    if isinstance(schema.get("items"), dict):
        found |= property_names(schema["items"], document, depth + 1)
    return found


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
        if prop in ctx.own and (sensitive or prop.lower() in IDENTITY_FIELDS):
            result[prop] = ctx.own[prop]
            continue
        if prop in ctx.links and prop in required:
            result[prop] = _typed(ctx.links[prop], _plain(sub, ctx))
            continue
        if prop.lower() in ENUM_LIKE and not _has_enum(_plain(sub, ctx)):
            known = sorted(ctx.seen.get(prop.lower(), ()), key=lambda v: (PRIVILEGED.search(v), v))
            if known and (prop in required or ctx.full):
                result[prop] = known[0]  # a value the identities' own data already holds
            elif prop in required or ctx.full:
                ctx.withheld.add(prop)  # never an invented string in an enum-like field
            continue
        if prop not in required and not ctx.full and not is_plain_text(prop, _plain(sub, ctx)):
            continue
        if prop.lower() in ("password", "passwd"):
            result[prop] = f"Dg-{ctx.canary}-Pw1!"
            continue
        result[prop] = generate(sub, ctx, prop, depth + 1)
    return result


def _has_enum(schema: Any) -> bool:
    if not isinstance(schema, dict):
        return False
    if "enum" in schema or "const" in schema or "$ref" in schema:
        return True
    kind = schema.get("type")
    return kind not in ("string", None) and not (isinstance(kind, list) and "string" in kind)


def _typed(value: str, schema: Any) -> Any:
    """A linked id in the type the schema asks for (`"7"` → 7 for an integer field)."""
    kind = schema.get("type") if isinstance(schema, dict) else None
    if kind in ("integer", "number") and value.lstrip("-").isdigit():
        return int(value)
    return value


def _plain(schema: Any, ctx: BodyContext) -> Any:
    """`anyOf: [string, null]` (how Pydantic writes `str | None`) counts as plain string."""
    if isinstance(schema, dict) and isinstance(schema.get("anyOf"), list):
        options = [ctx.document.deref(o) for o in schema["anyOf"]]
        usable = [o for o in options if isinstance(o, dict) and o.get("type") != "null"]
        if len(usable) == 1:
            return usable[0]
    return schema


def _number(schema: dict[str, Any], kind: str, name: str, ctx: BodyContext) -> int | float:
    """A value the name asks for (an expiry month, a year) if the range allows it, else the
    smallest positive value inside the range, on its `multipleOf` step."""
    for candidate in meaning.candidates(name, ctx.canary):
        if (
            isinstance(candidate, int)
            and candidate != ctx.avoid.get(name)
            and satisfies({**schema, "type": kind}, candidate)
        ):
            return candidate
    step = schema.get("multipleOf")
    step = step if isinstance(step, (int, float)) and step > 0 else (1 if kind == "integer" else 0)
    low = _bound(schema, "minimum", "exclusiveMinimum", step or 0.5)
    high = _bound(schema, "maximum", "exclusiveMaximum", -(step or 0.5))
    value = 1.0 if low is None else max(1.0, low)
    if step:
        value = math.ceil(value / step - 1e-9) * step
    if high is not None and value > high:
        value = math.floor(high / step + 1e-9) * step if step else high
    return int(value) if kind == "integer" else float(value)


def _bound(schema: dict[str, Any], inclusive: str, exclusive: str, nudge: float) -> float | None:
    """A range bound as an inclusive value (`exclusiveMinimum: 0` → 0.5, or 1 for integers)."""
    value = schema.get(inclusive)
    other = schema.get(exclusive)
    if isinstance(other, (int, float)) and not isinstance(other, bool):
        return float(other + nudge)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def _string(schema: dict[str, Any], ctx: BodyContext, name: str) -> str:
    """The first that satisfies every constraint of `schema`: a value the field's name asks for
    (a card number, a future expiry, a phone number), a format's value carrying the canary, the
    canary itself, then the simplest string matching the `pattern` (drawn by hypothesis)."""
    string = {**schema, "type": "string"}
    avoid = ctx.avoid.get(name)
    for candidate in [*meaning.candidates(name, ctx.canary), *_formatted(schema, ctx.canary)]:
        if isinstance(candidate, str) and candidate != avoid and satisfies(string, candidate):
            return candidate
    low = int(schema.get("minLength", 0))
    high = schema.get("maxLength")
    for candidate in (ctx.canary, ctx.canary.upper(), ctx.canary + "-x"):
        value = candidate.ljust(low, "x")
        if value != avoid and satisfies(string, value):
            return value
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        found = matching(pattern, low, int(high) if high is not None else None)
        if found is not None:
            return found
    return ("x" * max(low, 1))[: max(int(high or 1), 1)]


def _formatted(schema: dict[str, Any], canary: str) -> list[str]:
    fmt = schema.get("format")
    values = {
        "email": [f"{canary}@example.com"],
        "uri": [f"https://example.com/{canary}"],
        "url": [f"https://example.com/{canary}"],
        "uuid": [str(uuid.uuid5(uuid.NAMESPACE_URL, canary))],
        "date-time": ["2024-01-01T00:00:00Z"],
        "date": ["2024-01-01"],
        "time": ["12:00:00"],
        "ipv4": ["192.0.2.10"],
        "ipv6": ["2001:db8::10"],
        "hostname": ["example.com"],
        "password": [f"Dg-{canary}-Pw1!"],
    }
    return values.get(fmt, []) if isinstance(fmt, str) else []
