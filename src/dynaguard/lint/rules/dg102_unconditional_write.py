"""DG102: a write keyed by request input with no condition that re-states ownership."""

from collections.abc import Iterator

from dynaguard.lint.core.model import Finding, RuleInfo, Severity
from dynaguard.lint.models.facts import Facts

RULE = RuleInfo(
    id="DG102",
    name="UnconditionalWriteByClientKey",
    severity=Severity.ERROR,
    summary="update/delete/overwriting put keyed by request input, without an ownership condition",
    fix="key the write from the principal, or add `ConditionExpression=Attr('owner_id')"
    ".eq(principal_id)` (and map the conditional failure to 404)",
    security_severity=8.8,
    cwe=639,
)


def check(facts: Facts) -> Iterator[Finding]:
    for write in facts.writes:
        if (
            write.key_from_request
            and not write.condition_has_principal
            and not write.creates_only
            and not write.checked_in_python
        ):
            yield Finding(
                RULE,
                write.where,
                f"{write.operation} keyed by request input without an ownership "
                f"ConditionExpression in {write.route}",
                write.route,
            )
