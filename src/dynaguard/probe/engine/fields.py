"""Every field of a JSON answer: the oracles that read values by their field name (secrets,
issued tokens, canaries) walk answers the same way, through objects and arrays alike."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def fields(
    data: Any, max_depth: int = 8, depth: int = 0
) -> Iterator[tuple[dict[str, Any], str, Any]]:
    """(record, name, value) for each field of each object in `data`, arrays and nested objects
    followed `max_depth` levels deep; the value may itself be an object or an array."""
    if depth > max_depth:
        return
    if isinstance(data, list):
        for entry in data:
            yield from fields(entry, max_depth, depth + 1)
    elif isinstance(data, dict):
        for key, value in data.items():
            yield data, str(key), value
            if isinstance(value, (dict, list)):
                yield from fields(value, max_depth, depth + 1)
