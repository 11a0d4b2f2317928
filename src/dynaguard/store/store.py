"""The store facade: the only object the HTTP layer holds. It hands out views scoped to a verified
principal; the raw client stays inside."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dynaguard.auth.principal import VerifiedPrincipal
from dynaguard.store._engine import Engine
from dynaguard.store.codec import Wire
from dynaguard.store.cursor import CursorSealer
from dynaguard.store.entity import EntityType, FieldsT
from dynaguard.store.grants import OwnerGrants
from dynaguard.store.owned import OwnedCollection
from dynaguard.store.profiles import Profiles
from dynaguard.store.shared import SharedView
from dynaguard.store.team_grants import TeamGrants
from dynaguard.store.teams import MyTeams, TeamDirectory
from dynaguard.store.tenant import TenantView

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_PING_KEY: Wire = {"pk": {"S": "HEALTH"}, "sk": {"S": "HEALTH"}}


class Store:
    """Scoped access to one dynaguard table."""

    def __init__(
        self,
        client: DynamoDBClient,
        table: str,
        sealer: CursorSealer,
        deadline_seconds: float | None = None,
    ) -> None:
        """`deadline_seconds` bounds every DynamoDB call, retries included (`deadline.py`); a
        client from `dynamodb_client` already carries the configured one, which wins."""
        self._engine = Engine(client, table, deadline_seconds)
        self._sealer = sealer
        self.table = table

    def ping(self) -> None:
        """One cheap read of a constant key; raises StoreUnavailable (with the reason) if the
        table does not answer. Readiness probes use it; it reads no one's data."""
        self._engine.get_item(_PING_KEY)

    def owned(
        self, owner: VerifiedPrincipal, entity: EntityType[FieldsT]
    ) -> OwnedCollection[FieldsT]:
        """The entities of this type that `owner` owns."""
        return OwnedCollection(self._engine, owner, entity, self._sealer)

    def profiles(self, owner: VerifiedPrincipal, fields: type[FieldsT]) -> Profiles[FieldsT]:
        """`owner`'s profile, whose application fields are `fields`."""
        return Profiles(self._engine, owner, fields)

    def tenant(self, admin: VerifiedPrincipal, entity: EntityType[FieldsT]) -> TenantView[FieldsT]:
        """Org-wide admin operations; raises PermissionError for a non-admin."""
        return TenantView(self._engine, admin, entity, self._sealer)

    def shared(self, caller: VerifiedPrincipal, entity: EntityType[FieldsT]) -> SharedView[FieldsT]:
        """Items of this type that others in `caller`'s org shared with `caller` (ValueError if
        the type does not declare sharing)."""
        return SharedView(self._engine, caller, entity, self._sealer)

    def grants(self, owner: VerifiedPrincipal, entity: EntityType[FieldsT]) -> OwnerGrants[FieldsT]:
        """`owner`'s management of grants on their own items of this type."""
        return OwnerGrants(self._engine, owner, entity)

    def team_grants(
        self, owner: VerifiedPrincipal, entity: EntityType[FieldsT]
    ) -> TeamGrants[FieldsT]:
        """`owner`'s management of team grants on their own items of this type."""
        return TeamGrants(self._engine, owner, entity)

    def teams(self, admin: VerifiedPrincipal) -> TeamDirectory:
        """The teams of `admin`'s org, managed by that admin (PermissionError for a non-admin)."""
        return TeamDirectory(self._engine, admin)

    def my_teams(self, caller: VerifiedPrincipal) -> MyTeams:
        """`caller`'s own teams, and the members of a team they are in."""
        return MyTeams(self._engine, caller)
