"""The reference service: the seed's system done right, built only from dynaguard's public API
(`dynaguard.auth`, `dynaguard.store`, `dynaguard.fastapi`), as a user's own app would be."""

from dynaguard.service.app import create_app

__all__ = ["create_app"]
