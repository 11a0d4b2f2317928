"""DG108: a `#`-delimited key built from request values that may themselves contain `#`."""

from collections.abc import Iterator

from dynaguard.lint.core.model import Finding, RuleInfo, Severity
from dynaguard.lint.models.facts import Facts

RULE = RuleInfo(
    id="DG108",
    name="UnvalidatedCompositeKey",
    severity=Severity.WARNING,
    summary="composite key built from request segments without rejecting the `#` delimiter",
    fix="validate each segment (`Path(pattern=r'^[A-Za-z0-9-]+$')`, UUID type) or reject '#'",
    security_severity=6.5,
    cwe=20,
)


def check(facts: Facts) -> Iterator[Finding]:
    for key in facts.composites:
        segments = ", ".join(sorted(key.origins))
        yield Finding(
            RULE,
            key.where,
            f"composite key from unvalidated request segment(s) {segments} in {key.route}",
            key.route,
        )
