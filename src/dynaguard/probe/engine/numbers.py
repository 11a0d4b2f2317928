"""The oracle for numbers: a canary string cannot go into an integer, so a write's numbers are
chosen unlike the owner's current ones (within the schema's range), and the owner's re-read
showing every one of them proves the write landed (`quantity=7`)."""

from __future__ import annotations

from typing import Any

from dynaguard.probe.engine.context import ProbeContext
from dynaguard.probe.spec.bodies import field_schema
from dynaguard.probe.spec.constraints import satisfies
from dynaguard.probe.spec.operations import Operation


def distinct_numbers(
    ctx: ProbeContext, operation: Operation, body: Any, before: Any
) -> dict[str, int | float]:
    """Top-level numbers of the body the owner's object also holds, each moved (within the
    schema's range) to a value unlike the owner's: a canary string cannot go into an integer."""
    if not isinstance(body, dict) or not isinstance(before, dict):
        return {}
    chosen: dict[str, int | float] = {}
    for key, value in body.items():
        current = field_value(before, key)
        if not is_number(value) or not is_number(current):
            continue
        schema = field_schema(operation.body_schema, (key,), ctx.document)
        for candidate in (value, value + 1, value - 1, value + 2, value - 2, value * 3):
            if candidate != current and satisfies(schema, candidate):
                body[key] = chosen[key] = candidate
                break
    return chosen


def field_value(data: Any, key: str, depth: int = 0) -> Any:
    """The object's own `key`, else the first one inside a nested object (`{"data": {...}}`);
    lists are not searched (their records may be anyone's)."""
    if not isinstance(data, dict) or depth > 3:
        return None
    if key in data:
        return data[key]
    for value in data.values():
        found = field_value(value, key, depth + 1)
        if found is not None:
            return found
    return None


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def moved_to(numbers: dict[str, int | float], after: Any) -> str:
    """`quantity=7` when the owner's re-read shows every number the attacker sent."""
    if not numbers or not isinstance(after, dict):
        return ""
    if any(field_value(after, key) != value for key, value in numbers.items()):
        return ""
    return ", ".join(f"{key}={value}" for key, value in sorted(numbers.items()))
