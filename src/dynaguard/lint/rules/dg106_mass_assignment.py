"""DG106: an item written from the whole request body while ownership fields stay client-set."""

from collections.abc import Iterator

from dynaguard.lint.core.model import Finding, RuleInfo, Severity
from dynaguard.lint.models.facts import Facts

RULE = RuleInfo(
    id="DG106",
    name="MassAssignment",
    severity=Severity.ERROR,
    summary="item written from the whole request body; owner/tenant/role fields are client-chosen",
    fix="drop ownership fields from the input model, or set them from the principal after the "
    "spread: `{**body.model_dump(), 'owner_id': principal.sub}`",
    security_severity=8.1,
    cwe=915,
)


def check(facts: Facts) -> Iterator[Finding]:
    for item in facts.mass_assignments:
        fields = (
            ", ".join(sorted(item.fields)) if item.fields else "fields unknown, no owner field set"
        )
        yield Finding(
            RULE,
            item.where,
            f"item written from the whole {item.model} ({fields}) in {item.route}",
            item.route,
        )
