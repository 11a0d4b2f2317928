"""DG109: a foreign object answers differently from a missing one, telling attackers it exists."""

from collections.abc import Iterator

from dynaguard.lint.core.model import Finding, RuleInfo, Severity
from dynaguard.lint.models.facts import Facts

RULE = RuleInfo(
    id="DG109",
    name="ExistenceOracle",
    severity=Severity.WARNING,
    summary="ownership failure answered differently from a missing item (403 vs 404, old item)",
    fix="answer 404 with the same body for missing and foreign items; do not return "
    "ReturnValuesOnConditionCheckFailure items to the caller",
    security_severity=5.3,
    cwe=204,
)


def check(facts: Facts) -> Iterator[Finding]:
    for oracle in facts.oracles:
        yield Finding(
            RULE, oracle.where, f"existence oracle in {oracle.route}: {oracle.kind}", oracle.route
        )
