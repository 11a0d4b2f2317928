"""Not a test: what the attack-matrix tests share. A `Case` is one request and the status each
kind of caller must get; `expect` fills the table for a cast of callers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    expected: dict[str, int]
    body: dict[str, Any] | None = None
    write: bool = False


def expect(actors: Iterable[str], default: int, **overrides: int) -> dict[str, int]:
    """`default` for every caller, 401 for the anonymous one and the forged token, then the
    overrides."""
    table = {actor: default for actor in actors}
    table.update({"anonymous": 401, "forged": 401})
    table.update(overrides)
    return table
