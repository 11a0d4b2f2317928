"""The guarded data layer. Keys come only from a verified principal; every write is conditional;
lists are a Query on the caller's partition. Knows nothing of FastAPI.

Public API: Store, EntityType, Record, Page, OwnedCollection, TenantView, Profiles, ProfileFields,
Profile, CursorSealer, and the errors NotFound, VersionConflict, BadCursor, StoreUnavailable,
InvalidValue."""

from dynaguard.store.cursor import CursorSealer, load_or_create_secret
from dynaguard.store.entity import EntityType, Page, Record
from dynaguard.store.errors import (
    BadCursor,
    InvalidValue,
    NotFound,
    StoreError,
    StoreUnavailable,
    VersionConflict,
)
from dynaguard.store.owned import OwnedCollection
from dynaguard.store.profiles import Profile, ProfileFields, Profiles
from dynaguard.store.store import Store
from dynaguard.store.tenant import TenantView

__all__ = [
    "BadCursor",
    "CursorSealer",
    "EntityType",
    "InvalidValue",
    "NotFound",
    "OwnedCollection",
    "Page",
    "Profile",
    "ProfileFields",
    "Profiles",
    "Record",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "TenantView",
    "VersionConflict",
    "load_or_create_secret",
]
