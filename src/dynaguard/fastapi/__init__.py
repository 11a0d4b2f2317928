"""dynaguard for FastAPI: `attach_dynaguard` wires the verifier, the scoped store, limits, error
mapping and health routes into any app; the dependency factories give routes store views bound
to the verified caller; `expected_version` parses `If-Match` and `required_version` also
enforces `DYNAGUARD_REQUIRE_IF_MATCH`; `ExactJSONRoute` and `ExactJSONResponse` keep JSON numbers
exact (parsed as Decimal, written back digit for digit)."""

from dynaguard.fastapi.attach import attach_dynaguard
from dynaguard.fastapi.dependencies import (
    StoreDep,
    get_store,
    grants_of_caller,
    owned_by_caller,
    profile_of_caller,
    shared_with_caller,
    tenant_of_admin,
)
from dynaguard.fastapi.etag import expected_version
from dynaguard.fastapi.exact_json import ExactJSONResponse, ExactJSONRoute
from dynaguard.fastapi.preconditions import PRECONDITION_REQUIRED, required_version

__all__ = [
    "PRECONDITION_REQUIRED",
    "ExactJSONResponse",
    "ExactJSONRoute",
    "StoreDep",
    "attach_dynaguard",
    "expected_version",
    "get_store",
    "grants_of_caller",
    "owned_by_caller",
    "profile_of_caller",
    "required_version",
    "shared_with_caller",
    "tenant_of_admin",
]
