"""The guarded data layer. Keys come only from a verified principal; every write is conditional;
lists are a Query on the caller's partition. Knows nothing of FastAPI.

Public API: Store, EntityType, Record, Page, OwnedCollection, TenantView, Profiles, ProfileRecord,
CursorSealer, cursor_binding, check_storable, store_deadline (one DynamoDB deadline over several
calls), the sharing API (Sharing, Visibility, SharedView, SharedRecord, SharedPage, OwnerGrants,
Grant), teams (TeamDirectory, MyTeams, Team, Membership, TeamGrants, TeamGrant, is_team_id), and
the errors NotFound, VersionConflict, BadCursor, StoreUnavailable, InvalidValue (UnstorableValue),
InvalidRequest, IdempotencyKeyReused, Forbidden, TooManyGrants, InvalidGrant."""

from dynaguard.store.codec import check_storable
from dynaguard.store.cursor import Binding, CursorSealer, cursor_binding, load_or_create_secret
from dynaguard.store.deadline import store_deadline
from dynaguard.store.entity import EntityType, Page, Record, Sharing, Visibility
from dynaguard.store.errors import (
    BadCursor,
    Forbidden,
    IdempotencyKeyReused,
    InvalidGrant,
    InvalidRequest,
    InvalidValue,
    NotFound,
    StoreError,
    StoreUnavailable,
    TooManyGrants,
    UnstorableValue,
    VersionConflict,
)
from dynaguard.store.grants import Grant, OwnerGrants
from dynaguard.store.keys import is_team_id
from dynaguard.store.owned import OwnedCollection
from dynaguard.store.profiles import ProfileRecord, Profiles
from dynaguard.store.shared import SharedPage, SharedRecord, SharedView
from dynaguard.store.store import Store
from dynaguard.store.team_grants import TeamGrant, TeamGrants
from dynaguard.store.teams import Membership, MyTeams, Team, TeamDirectory
from dynaguard.store.tenant import TenantView

__all__ = [
    "BadCursor",
    "Binding",
    "CursorSealer",
    "EntityType",
    "Forbidden",
    "Grant",
    "IdempotencyKeyReused",
    "InvalidGrant",
    "InvalidRequest",
    "InvalidValue",
    "Membership",
    "MyTeams",
    "NotFound",
    "OwnedCollection",
    "OwnerGrants",
    "Page",
    "ProfileRecord",
    "Profiles",
    "Record",
    "SharedPage",
    "SharedRecord",
    "SharedView",
    "Sharing",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "Team",
    "TeamDirectory",
    "TeamGrant",
    "TeamGrants",
    "TenantView",
    "TooManyGrants",
    "UnstorableValue",
    "VersionConflict",
    "Visibility",
    "check_storable",
    "cursor_binding",
    "is_team_id",
    "load_or_create_secret",
    "store_deadline",
]
