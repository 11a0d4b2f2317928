"""DG110: a table-level operation (create/delete/update table, backups) in a route, no admin gate.

Schema and lifecycle changes are function-level authority (BFLA): any caller of the route can
drop or reshape the table. Start-up code and scripts are not routes and are not reported, nor
is bootstrap: a `create_table` on a fixed name guarded by an existence probe (`bootstrap`).
"""

from collections.abc import Iterator

from dynaguard.lint.core.model import Finding, RuleInfo, Severity
from dynaguard.lint.models.facts import Facts

RULE = RuleInfo(
    id="DG110",
    name="ControlPlaneInRoute",
    severity=Severity.ERROR,
    summary="DynamoDB control-plane call (create/delete/update table) reachable from a route "
    "without an admin check",
    fix="move table management to deployment (IaC, migrations), or gate the route with an "
    "admin dependency that raises 403 for everyone else",
    security_severity=8.8,
    cwe=285,
)


def check(facts: Facts) -> Iterator[Finding]:
    for call in facts.control_plane:
        route = facts.route_fact(call.route)
        if call.bootstrap or (route is not None and route.admin):
            continue
        yield Finding(
            RULE,
            call.where,
            f"{call.operation} in {call.route} with no admin check",
            call.route,
        )
