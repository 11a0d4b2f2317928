"""DG104: a Scan on a request path; ownership, if any, only in a FilterExpression.

Not behind an admin gate (reading everything is the point), not in sign-up/login routes (a
uniqueness or credential lookup), and a `LastEvaluatedKey` loop is one finding."""

from collections.abc import Iterator

from dynaguard.lint.core.model import Finding, RuleInfo, Severity
from dynaguard.lint.models.facts import Facts

RULE = RuleInfo(
    id="DG104",
    name="ScanInRequestHandler",
    severity=Severity.WARNING,
    summary="Scan reachable from a route; a FilterExpression runs after the whole table is read",
    fix="Query a partition the principal owns (`Key('pk').eq(f'USER#{principal.sub}')`)",
    security_severity=6.5,
    cwe=285,
)


def check(facts: Facts) -> Iterator[Finding]:
    for scan in facts.scans:
        route = facts.route_fact(scan.route)
        if route is not None and (route.admin or route.auth_flow):
            continue
        how = (
            "ownership enforced only by a FilterExpression"
            if scan.filter_has_principal
            else "no ownership restriction at all"
        )
        yield Finding(RULE, scan.where, f"scan in {scan.route}: {how}", scan.route)
