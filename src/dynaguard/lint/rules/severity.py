"""Lower a finding's severity, with the reason in its message, when its route says so.

A route declared public keeps its read findings visible as `info` (the declaration is a claim a
reviewer should see), never its write findings. A route no app can reach (its router is never
included) is one level lower: the code is wrong, but nobody can call it today.
"""

from __future__ import annotations

from dataclasses import replace

from dynaguard.lint.core.model import Finding, Severity
from dynaguard.lint.models.facts import Facts, RouteFact

READ_RULES = frozenset({"DG101", "DG104", "DG105", "DG107", "DG108", "DG109"})
"""Rules about what a route lets a caller read; DG105 counts only for routes that do not write."""
SITE_RULES = frozenset({"DG101", "DG104"})
"""Read rules judged at their call: lowered when that call reads an ownerless table."""


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
    ownerless = _ownerless(finding, route, facts)
    if ownerless and level is not Severity.INFO:
        level = Severity.INFO
        reasons.append(
            f"ownerless data: no item of {ownerless} carries an owner; "
            "public data read without auth: intended?"
        )
    if not route.deployed:
        level = level.lowered()
        reasons.append("not reachable: its router is never included in an app")
    if not reasons:
        return finding
    return replace(finding, severity=level, message=f"{finding.message} [{'; '.join(reasons)}]")


def _ownerless(finding: Finding, route: RouteFact, facts: Facts) -> str:
    """The ownerless table(s) an unauthenticated read finding is about, or "" when the data
    has an owner or the route authenticates (a signed-in caller reading by id is judged as
    today: the tree may simply not show where the owner is written)."""
    if route.authenticated:
        return ""
    if finding.rule.id in SITE_RULES:
        return facts.ownerless_sites.get((finding.location.path, finding.location.line), "")
    if finding.rule.id in READ_RULES:
        return route.ownerless
    return ""
