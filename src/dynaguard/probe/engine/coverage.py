"""What was really exercised: operation by check → tested, or not tested and why.

A clean report is only worth something if it says which routes were attacked; the exit code turns
low coverage of id-taking operations into its own status instead of a silent "no findings"."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dynaguard.probe.spec.operations import Operation

CHOSEN = ("needs --destructive",)  # the user's own choice; safety skips count against coverage
CHECKS = ("read", "write", "delete", "function", "mass", "leak", "cursor")
TESTED = "tested"


@dataclass
class Coverage:
    """Cells keyed by (operation key, check); a `tested` cell is never downgraded to a reason."""

    cells: dict[tuple[str, str], str] = field(default_factory=dict)
    id_taking: set[str] = field(default_factory=set)
    order: list[str] = field(default_factory=list)

    def register(self, operations: list[Operation], id_taking: set[str]) -> None:
        self.order = [op.key for op in operations]
        self.id_taking = set(id_taking)

    def tested(self, operation: Operation, check: str) -> None:
        self.cells[(operation.key, check)] = TESTED

    def skip(self, operation: Operation, check: str, reason: str) -> None:
        key = (operation.key, check)
        if self.cells.get(key) != TESTED:
            self.cells[key] = reason

    def row(self, key: str) -> dict[str, str]:
        return {check: state for (op, check), state in self.cells.items() if op == key}

    def exercised(self, key: str) -> bool:
        return any(state == TESTED for state in self.row(key).values())

    def chosen(self, key: str) -> bool:
        """Left out by the user's choice (no --destructive), not for want of an id; routes the
        probe skips for safety (resets, credential changes) stay in scope and count against."""
        states = self.row(key).values()
        return bool(states) and all(state.startswith(CHOSEN) for state in states)

    @property
    def in_scope(self) -> list[str]:
        return [key for key in self.order if key in self.id_taking and not self.chosen(key)]

    @property
    def share(self) -> float:
        """Share of in-scope id-taking operations on which at least one check ran."""
        scope = self.in_scope
        if not scope:
            return 1.0
        return sum(1 for key in scope if self.exercised(key)) / len(scope)

    def untested_id_ops(self) -> list[str]:
        return [key for key in self.in_scope if not self.exercised(key)]

    def as_rows(self) -> list[dict[str, Any]]:
        """One row per operation, in document order, with every check that applied to it."""
        rows = []
        for key in self.order:
            cells = self.row(key)
            rows.append(
                {
                    "operation": key,
                    "takes_id": key in self.id_taking,
                    "exercised": self.exercised(key),
                    "checks": {check: cells[check] for check in CHECKS if check in cells},
                }
            )
        return rows
