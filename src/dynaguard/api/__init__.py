"""The reference service: `create_app()` wires auth, the scoped store and the routers."""

from dynaguard.api.app import create_app

__all__ = ["create_app"]
