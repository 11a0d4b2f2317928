"""DG101: a read keyed by a request value, returned without comparing it with the principal.

Not on sign-up/login/token routes (the credential lookup by user name is their job), and not
for reads whose item never leaves the route (an existence check before a create)."""

from collections.abc import Iterator

from dynaguard.lint.core.model import Finding, RuleInfo, Severity
from dynaguard.lint.models.facts import Facts

RULE = RuleInfo(
    id="DG101",
    name="KeyFromRequest",
    severity=Severity.ERROR,
    summary="DynamoDB read keyed by a path/query/body value, not by the authenticated principal",
    fix="build the key from the principal (e.g. `/me`, `f'USER#{principal.sub}'`), "
    "or compare the item's owner with the principal before returning it",
    security_severity=8.1,
    cwe=639,
)


def check(facts: Facts) -> Iterator[Finding]:
    for read in facts.reads:
        route = facts.route_fact(read.route)
        if route is not None and route.auth_flow:
            continue
        if read.key_from_request and not read.checked and read.used:
            origins = ", ".join(sorted(read.key_origins))
            yield Finding(
                RULE,
                read.where,
                f"{read.operation} keyed by request value ({origins}) with no ownership check "
                f"in {read.route}",
                read.route,
            )
