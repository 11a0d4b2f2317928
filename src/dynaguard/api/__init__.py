"""The reference service (`create_app`) and what a user's own FastAPI app needs to get the same
guarantees: `attach_dynaguard`, and dependency factories scoped to the verified caller."""

from dynaguard.api.app import attach_dynaguard, create_app
from dynaguard.api.deps import get_store, owned_by_caller, tenant_of_admin

__all__ = ["attach_dynaguard", "create_app", "get_store", "owned_by_caller", "tenant_of_admin"]
