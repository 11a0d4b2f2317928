"""dynaguard for FastAPI: `attach_dynaguard` wires the verifier, the scoped store, limits, error
mapping and health routes into any app; `Principal` and `AdminPrincipal` state who may call a
route; the dependency factories give routes store views bound to the verified caller;
`expected_version` parses `If-Match` and `required_version` also enforces
`DYNAGUARD_REQUIRE_IF_MATCH`; `ExactJSONRoute` and `ExactJSONResponse` keep JSON numbers exact
(parsed as Decimal, written back digit for digit). The whole store is not here: it is in
`dynaguard.fastapi.hazmat`."""

from dynaguard.fastapi.attach import attach_dynaguard
from dynaguard.fastapi.dependencies import (
    grants_of_caller,
    owned_by_caller,
    profile_of_caller,
    shared_with_caller,
    team_grants_of_caller,
    teams_of_admin,
    teams_of_caller,
    tenant_of_admin,
)
from dynaguard.fastapi.etag import expected_version
from dynaguard.fastapi.exact_json import ExactJSONResponse, ExactJSONRoute
from dynaguard.fastapi.preconditions import PRECONDITION_REQUIRED, required_version
from dynaguard.fastapi.principals import (
    AdminPrincipal,
    Principal,
    current_principal,
    require_admin,
)

__all__ = [
    "PRECONDITION_REQUIRED",
    "AdminPrincipal",
    "ExactJSONResponse",
    "ExactJSONRoute",
    "Principal",
    "attach_dynaguard",
    "current_principal",
    "expected_version",
    "grants_of_caller",
    "owned_by_caller",
    "profile_of_caller",
    "require_admin",
    "required_version",
    "shared_with_caller",
    "team_grants_of_caller",
    "teams_of_admin",
    "teams_of_caller",
    "tenant_of_admin",
]
