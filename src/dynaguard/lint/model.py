"""The linter's vocabulary: severities, rule metadata, findings and one-line usage errors."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """Two levels only, so `--fail-on` has an obvious meaning."""

    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return 1 if self is Severity.WARNING else 2


@dataclass(frozen=True)
class RuleInfo:
    """Stable metadata of one rule; the id never changes once published."""

    id: str
    name: str
    severity: Severity
    summary: str
    fix: str
    security_severity: float
    cwe: int


@dataclass(frozen=True)
class Location:
    """A 1-based line and column in a file, as shown to users."""

    path: str
    line: int
    column: int


@dataclass(frozen=True)
class Finding:
    """One rule firing at one place; `route` names the request handler that makes it reachable."""

    rule: RuleInfo
    location: Location
    message: str
    route: str | None = None

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.location.path, self.location.line, self.location.column, self.rule.id)


class LintUsageError(Exception):
    """A user-caused problem (bad path, bad config, unparseable file): one line, exit code 2."""
