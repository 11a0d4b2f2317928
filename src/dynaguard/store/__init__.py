"""The guarded data layer. Keys come only from a verified principal; every write is conditional;
lists are a Query on the caller's partition. Knows nothing of FastAPI.

Public API: Store, EntityType, Record, Page, OwnedCollection, TenantView, Profiles, ProfileRecord,
CursorSealer, cursor_binding, check_storable, and the errors NotFound, VersionConflict, BadCursor,
StoreUnavailable, InvalidValue (UnstorableValue), InvalidRequest, IdempotencyKeyReused."""

from dynaguard.store.codec import check_storable
from dynaguard.store.cursor import Binding, CursorSealer, cursor_binding, load_or_create_secret
from dynaguard.store.entity import EntityType, Page, Record
from dynaguard.store.errors import (
    BadCursor,
    IdempotencyKeyReused,
    InvalidRequest,
    InvalidValue,
    NotFound,
    StoreError,
    StoreUnavailable,
    UnstorableValue,
    VersionConflict,
)
from dynaguard.store.owned import OwnedCollection
from dynaguard.store.profiles import ProfileRecord, Profiles
from dynaguard.store.store import Store
from dynaguard.store.tenant import TenantView

__all__ = [
    "BadCursor",
    "Binding",
    "CursorSealer",
    "EntityType",
    "IdempotencyKeyReused",
    "InvalidRequest",
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
    "UnstorableValue",
    "VersionConflict",
    "check_storable",
    "cursor_binding",
    "load_or_create_secret",
]
