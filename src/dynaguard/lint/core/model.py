"""The linter's vocabulary: severities, rule metadata, findings and one-line usage errors."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """Rules publish `warning` or `error`; `info` is what a finding is lowered to on a route
    declared public (reads) or not reachable from any app, so it stays visible without failing."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]

    def lowered(self) -> Severity:
        """One level down: error → warning → info."""
        return Severity.WARNING if self is Severity.ERROR else Severity.INFO


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
class RouteRef:
    """A route that reaches a finding's site, and where its handler is."""

    label: str
    location: Location


@dataclass(frozen=True)
class Finding:
    """One rule firing at one place; `route` names the request handler that makes it reachable
    (the first, by label, when several do); `routes` lists every route that reaches the site."""

    rule: RuleInfo
    location: Location
    message: str
    route: str | None = None
    severity: Severity | None = None
    routes: tuple[RouteRef, ...] = ()

    @property
    def level(self) -> Severity:
        """The severity this finding is reported at (the rule's, unless lowered with a reason)."""
        return self.severity or self.rule.severity

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        where = self.location
        return (where.path, where.line, where.column, self.rule.id, self.route or "")


class LintUsageError(Exception):
    """A user-caused problem (bad path, bad config, unparseable file): one line, exit code 2."""
