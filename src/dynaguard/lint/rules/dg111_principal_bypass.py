"""DG111: route code builds a principal itself or reaches the hazmat layer.

A `VerifiedPrincipal` is only trustworthy when the verifier made it from a checked token; a
route that constructs one (or calls the test helper `dynaguard.auth.testing.principal`) from
whatever the request says has authenticated nobody. A module with a `hazmat` component in its
dotted name (`dynaguard.fastapi.hazmat`: the raw `get_store`/`StoreDep`) skips the store's
ownership checks by design; reaching it from a route re-opens what the views close. Start-up
code, scripts and tests are not routes and are not reported.
"""

from collections.abc import Iterator

from dynaguard.lint.core.model import Finding, RuleInfo, Severity
from dynaguard.lint.models.facts import Facts

RULE = RuleInfo(
    id="DG111",
    name="PrincipalBypass",
    severity=Severity.ERROR,
    summary="route code constructs a principal or reaches a hazmat module",
    fix="take the principal from the verifying dependency (`principal: Principal`) and reach "
    "data through the owner-checked views; keep hazmat imports out of request code",
    security_severity=9.1,
    cwe=287,
)


def check(facts: Facts) -> Iterator[Finding]:
    for fact in facts.bypasses:
        yield Finding(RULE, fact.where, f"{fact.route} {fact.what}", fact.route)
