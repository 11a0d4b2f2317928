"""The guarded data layer. Keys come only from a verified principal; every write is conditional;
lists are a Query on the caller's partition. Knows nothing of FastAPI.

Public API: Store, EntityType, Record, Page, OwnedCollection, TenantView, Profiles, ProfileRecord,
CursorSealer, check_storable, and the errors NotFound, VersionConflict, BadCursor, StoreUnavailable,
InvalidValue."""

from dynaguard.store.codec import check_storable
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
from dynaguard.store.profiles import ProfileRecord, Profiles
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
    "ProfileRecord",
    "Profiles",
    "Record",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "TenantView",
    "VersionConflict",
    "check_storable",
    "load_or_create_secret",
]
