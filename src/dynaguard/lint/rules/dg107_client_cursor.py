"""DG107: `ExclusiveStartKey` taken from the client without a seal (signature/encryption)."""

from collections.abc import Iterator

from dynaguard.lint.core.model import Finding, RuleInfo, Severity
from dynaguard.lint.models.facts import Facts

RULE = RuleInfo(
    id="DG107",
    name="ClientSuppliedPaginationKey",
    severity=Severity.ERROR,
    summary="ExclusiveStartKey comes from request input unsealed: the client picks where to read",
    fix="seal cursors (HMAC or AEAD over the LastEvaluatedKey, bound to the principal) and "
    "unseal before use; reject cursors whose key is outside the principal's partition",
    security_severity=7.5,
    cwe=639,
)


def check(facts: Facts) -> Iterator[Finding]:
    for cursor in facts.cursors:
        how = "decoded, not verified" if cursor.decoded else "used as given"
        yield Finding(
            RULE,
            cursor.where,
            f"ExclusiveStartKey from the request ({how}) in {cursor.route}",
            cursor.route,
        )
