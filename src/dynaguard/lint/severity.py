"""Lower a finding's severity, with the reason in its message, when its route says so.

A route declared public keeps its read findings visible as `info` (the declaration is a claim a
reviewer should see), never its write findings. A route no app can reach (its router is never
included) is one level lower: the code is wrong, but nobody can call it today.
"""

from __future__ import annotations

from dataclasses import replace

from dynaguard.lint.facts import Facts
from dynaguard.lint.model import Finding, Severity

READ_RULES = frozenset({"DG101", "DG104", "DG105", "DG107", "DG108", "DG109"})
"""Rules about what a route lets a caller read; DG105 counts only for routes that do not write."""


def adjust(finding: Finding, facts: Facts) -> Finding:
    route = facts.route_fact(finding.route)
    if route is None:
        return finding
    level = finding.rule.severity
    reasons: list[str] = []
    reads = finding.rule.id in READ_RULES and not (finding.rule.id == "DG105" and route.writes)
    if route.public and reads:
        level = Severity.INFO
        reasons.append(f"route declared public ({route.public})")
    if not route.deployed:
        level = level.lowered()
        reasons.append("not reachable: its router is never included in an app")
    if not reasons:
        return finding
    return replace(finding, severity=level, message=f"{finding.message} [{'; '.join(reasons)}]")
