"""Inline suppressions: `# dynaguard: ignore[DG101,DG102] reason` on the flagged line.

A suppression without a reason still silences the finding but is itself reported as DG100, so an
unexplained exception is visible in review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PATTERN = re.compile(r"#\s*dynaguard:\s*ignore\[([A-Za-z0-9_,\s]*)\]\s*(.*)$")


@dataclass(frozen=True)
class Suppression:
    """The ids silenced on one line, and the column of the comment (for DG100)."""

    ids: frozenset[str]
    reason: str
    column: int


def suppressions(lines: list[str]) -> dict[int, Suppression]:
    """1-based line number → suppression found on that line."""
    found: dict[int, Suppression] = {}
    for number, line in enumerate(lines, start=1):
        if "dynaguard:" not in line:
            continue
        match = _PATTERN.search(line)
        if match:
            ids = frozenset(p.strip().upper() for p in match.group(1).split(",") if p.strip())
            found[number] = Suppression(ids, match.group(2).strip(), match.start() + 1)
    return found
