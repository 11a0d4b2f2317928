"""DG103: read, compare owner in Python, then write the same key unconditionally (a race)."""

from collections.abc import Iterator

from dynaguard.lint.core.model import Finding, RuleInfo, Severity
from dynaguard.lint.models.facts import Facts

RULE = RuleInfo(
    id="DG103",
    name="CheckThenWriteRace",
    severity=Severity.WARNING,
    summary="ownership checked in Python between a read and an unconditional write of that key",
    fix="move the check into the write: `ConditionExpression=Attr('owner_id').eq(principal_id)`",
    security_severity=6.5,
    cwe=367,
)


def check(facts: Facts) -> Iterator[Finding]:
    for write in facts.writes:
        if (
            write.key_from_request
            and write.checked_in_python
            and not write.condition_has_principal
            and not write.creates_only
        ):
            yield Finding(
                RULE,
                write.where,
                f"{write.operation} after a Python ownership check; the item can change owner "
                f"in between ({write.route})",
                write.route,
            )
