"""DG105: a route reaching DynamoDB with no authentication dependency at any level.

Sign-up, login, token, password-reset and health routes are unauthenticated by nature; they are
recognised by what they do (issue a token, hash or check a password) or by a health path."""

from collections.abc import Iterator

from dynaguard.lint.core.model import Finding, RuleInfo, Severity
from dynaguard.lint.models.facts import Facts

RULE = RuleInfo(
    id="DG105",
    name="UnauthenticatedRoute",
    severity=Severity.ERROR,
    summary="route reaches DynamoDB without a principal dependency (route, router or app level)",
    fix="add a principal dependency: `principal: Principal` (an `Annotated[..., Depends(...)]` "
    "alias) or `APIRouter(dependencies=[Depends(get_principal)])`",
    security_severity=9.1,
    cwe=306,
)


def check(facts: Facts) -> Iterator[Finding]:
    for route in facts.routes:
        if route.reaches_dynamodb and not route.authenticated and not route.auth_flow:
            yield Finding(
                RULE,
                route.where,
                f"{route.route} reaches DynamoDB with no authentication dependency",
                route.route,
            )
