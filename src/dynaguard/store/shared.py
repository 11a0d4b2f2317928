"""Items other members shared with the caller: directly (a grant on the item) or with the whole
org (`visibility: org`). A `SharedView` is bound to one verified caller; every key it builds is
`ORG#<caller's org>#USER#<owner_id>` / `<KIND>#<item_id>`, so no input reaches another org.

Whether the caller may read is decided on the item as DynamoDB returns it (one consistent read,
so a revoke is seen at once); whether the caller may write is decided by DynamoDB itself, in the
UpdateItem's condition on the item's own grant map."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic

from dynaguard.store._engine import ConditionFailed, Engine, TransactionFailed
from dynaguard.store.access import EDITOR, ROLES, editable_by
from dynaguard.store.codec import Wire, from_wire, to_wire
from dynaguard.store.conditions import not_yet_written, owned_by
from dynaguard.store.cursor import CursorSealer, cursor_binding
from dynaguard.store.entity import (
    RESERVED_ATTRIBUTES,
    VISIBILITY_FIELD,
    EntityType,
    FieldsT,
    Record,
    now_iso,
    record_from,
)
from dynaguard.store.errors import Forbidden, InvalidRequest, NotFound, VersionConflict
from dynaguard.store.idempotency import new_write_token
from dynaguard.store.keys import (
    Key,
    Owner,
    entity_prefix,
    is_item_id,
    is_key_segment,
    membership_key,
    owner_partition,
    shared_item_key,
    shared_prefix,
    team_index_partition,
    team_key,
    visible_partition,
)
from dynaguard.store.table import GSI_VISIBLE
from dynaguard.store.team_access import (
    RANK,
    best_team_role,
    generation_is,
    granting_teams,
    team_editable_by,
    team_entries,
)
from dynaguard.store.teams import MyTeams, Team, live_teams
from dynaguard.store.visibility import GRANTS

MAX_SHARED_PAGE_LIMIT = 100
"""A shared page re-reads its items in one BatchGetItem, which takes at most 100 keys."""

OWNER = "owner"
ORG = "org"
"""`my_role` values besides the grant roles: the caller owns the item, or reads it as a member of
an org it is visible to."""


@dataclass(frozen=True)
class SharedRecord(Generic[FieldsT]):
    """An item as seen by someone it is shared with, with the role that lets them see it."""

    record: Record[FieldsT]
    my_role: str
    via_team: str | None = None
    """The team whose grant decided `my_role` (None: the owner, a direct grant or the org)."""

    @property
    def etag(self) -> str:
        return self.record.etag

    def as_dict(self) -> dict[str, Any]:
        return {**self.record.as_dict(), "my_role": self.my_role, "via_team": self.via_team}


@dataclass(frozen=True)
class SharedPage(Generic[FieldsT]):
    """One page of shared items and the sealed cursor of the next one (None on the last page).
    A page may hold fewer items than asked for: grants of deleted items are dropped."""

    records: list[SharedRecord[FieldsT]]
    next_cursor: str | None


def role_of(caller: Owner, entity: EntityType[FieldsT], attributes: dict[str, Any]) -> str | None:
    """The caller's role on a stored item: owner, a granted role, org (visible to the org), or
    None. Everything is read from the item itself, never from a grant record."""
    if attributes.get("org_id") != caller.org_id or attributes.get("kind") != entity.kind:
        return None
    if attributes.get("owner_id") == caller.sub:
        return OWNER
    grants = attributes.get(GRANTS)
    grant = grants.get(caller.sub) if isinstance(grants, dict) else None
    if isinstance(grant, dict) and grant.get("role") in ROLES:
        return str(grant["role"])
    if entity.org_visible and attributes.get(VISIBILITY_FIELD) == ORG:
        return ORG
    return None


class SharedView(Generic[FieldsT]):
    """What one caller may do with items of `entity` that others own in the caller's org."""

    def __init__(
        self, engine: Engine, caller: Owner, entity: EntityType[FieldsT], sealer: CursorSealer
    ) -> None:
        if entity.sharing is None:
            raise ValueError(f"entity kind {entity.kind} does not declare sharing")
        self._engine = engine
        self._caller = caller
        self._entity = entity
        self._sealer = sealer

    def _key(self, owner_id: str, item_id: str) -> Key:
        if not (is_key_segment(owner_id) and is_item_id(item_id)):
            raise NotFound
        return shared_item_key(self._caller, owner_id, self._entity.kind, item_id)

    def _shared(self, item: Wire | None) -> SharedRecord[FieldsT] | None:
        if item is None:
            return None
        attributes = from_wire(item)
        return self._shared_from(attributes, self._live_for([attributes]))

    def _shared_from(
        self, attributes: dict[str, Any], live: dict[str, Team]
    ) -> SharedRecord[FieldsT] | None:
        """The caller's highest role on the item: the owner, a direct grant, a grant to one of
        the caller's `live` teams, or org visibility (`via_team` when a team grant decided)."""
        role = role_of(self._caller, self._entity, attributes)
        team = None
        if attributes.get("org_id") == self._caller.org_id and (
            attributes.get("kind") == self._entity.kind
        ):
            team = best_team_role(attributes, live)
        if team is not None and (role is None or RANK[team[0]] > RANK[role]):
            return SharedRecord(record_from(self._entity, attributes), team[0], team[1])
        if role is None:
            return None
        return SharedRecord(record_from(self._entity, attributes), role)

    def _live_for(self, items: list[dict[str, Any]]) -> dict[str, Team]:
        """The caller's live teams among those that could raise the caller's role on `items`:
        no request unless an item has a team grant above the caller's own role (then one
        consistent BatchGetItem of those teams and the caller's memberships)."""
        wanted: set[str] = set()
        for attributes in items:
            role = role_of(self._caller, self._entity, attributes)
            rank = RANK[role] if role is not None else 0
            wanted.update(
                team_id
                for team_id, (team_role, _) in team_entries(attributes).items()
                if RANK[team_role] > rank
            )
        return live_teams(self._engine, self._caller, wanted) if wanted else {}

    def get(self, owner_id: str, item_id: str) -> SharedRecord[FieldsT]:
        """The item if it is shared with the caller (or the caller's own); else NotFound. One
        consistent GetItem: a grant revoked a moment ago is already gone; and, only if a team
        grant could raise the caller's role, one consistent BatchGetItem of those teams and the
        caller's memberships: a removal or a team's deletion is seen at once too."""
        key = self._key(owner_id, item_id)
        shared = self._shared(self._engine.get_item(key.wire(), consistent=True))
        if shared is None:
            raise NotFound
        return shared

    def update(
        self,
        owner_id: str,
        item_id: str,
        changes: dict[str, Any],
        expected_version: int | None = None,
    ) -> SharedRecord[FieldsT]:
        """Apply `changes` as an editor, in one UpdateItem whose condition re-states the org, the
        owner, the item's grant of the editor role to the caller (and the version). Visibility
        and grants stay the owner's."""
        editable = self._entity.field_names - {VISIBILITY_FIELD}
        unknown = set(changes) - editable
        if unknown or RESERVED_ATTRIBUTES & set(changes):
            raise InvalidRequest(f"not updatable by an editor: {sorted(unknown)}")
        stored = self._entity.validate_changes(changes)
        key = self._key(owner_id, item_id)
        token = new_write_token()
        if owner_id == self._caller.sub:
            condition = owned_by(self._caller, expected_version, token)
        else:
            condition = not_yet_written(
                editable_by(self._caller, owner_id, expected_version), token
            )
        names = {f"#f{index}": name for index, name in enumerate(stored)}
        values = {f":v{index}": value for index, value in enumerate(stored.values())}
        assignments = [f"#f{index} = :v{index}" for index in range(len(stored))]
        assignments += ["version = version + :one", "updated_at = :now", "write_token = :token"]
        write = _Write("SET " + ", ".join(assignments), {**values, ":one": 1}, names, stored)
        try:
            attributes = self._engine.update_item(
                key.wire(),
                write.expression,
                to_wire({**write.values, ":now": now_iso()}),
                condition,
                names,
                old_on_failure=True,
            )
        except ConditionFailed as failed:
            return self._applied_or_refused(
                key, owner_id, expected_version, token, write, failed.item
            )
        shared = self._shared(attributes)
        if shared is None:  # pragma: no cover - the condition guarantees the role
            raise NotFound
        return shared

    def _applied_or_refused(
        self,
        key: Key,
        owner_id: str,
        expected_version: int | None,
        token: str,
        write: _Write,
        seen: Wire | None,
    ) -> SharedRecord[FieldsT]:
        """After a failed condition (failure path only), the item as the condition saw it (the
        refusal returns it: no second request for the same key) or, on a retry, one consistent
        read of it: carrying our write token, an earlier attempt of this very request was applied
        (the SDK resent it); an editor through a team writes in a transaction
        (`_write_as_team`); otherwise the refusal the caller may know of (see `_why_refused`)."""
        for _ in range(_TEAM_WRITE_ATTEMPTS):
            found = seen if seen is not None else self._engine.get_item(key.wire(), consistent=True)
            seen = None
            if found is None:
                raise NotFound
            attributes = from_wire(found)
            guess = self._only_editor_team(attributes, expected_version, token)
            if guess is not None:
                written = self._write_as_team(key, owner_id, attributes, guess, token, write)
                if written is not None:
                    return written
            shared = self._shared_from(attributes, self._live_for([attributes]))
            if shared is None:
                raise NotFound
            if attributes.get("write_token") == token:
                return shared
            if shared.via_team is None or shared.my_role != EDITOR:
                raise self._why_refused(shared, expected_version)
            if expected_version is not None and shared.record.version != expected_version:
                raise VersionConflict
            written = self._write_as_team(key, owner_id, attributes, shared.via_team, token, write)
            if written is not None:
                return written
        raise NotFound

    def _only_editor_team(
        self, attributes: dict[str, Any], expected_version: int | None, token: str
    ) -> str | None:
        """The item's one editor team, when the caller holds no editor role of their own and
        the version is the expected one: the transaction itself then checks the caller's
        membership, with no read of it first (the common case costs one request less). None
        when there is no such single team or nothing is to be written."""
        if attributes.get("write_token") == token:
            return None
        if role_of(self._caller, self._entity, attributes) in (OWNER, EDITOR):
            return None
        if expected_version is not None and attributes.get("version") != expected_version:
            return None
        editors = [team for team, (role, _) in team_entries(attributes).items() if role == EDITOR]
        return editors[0] if len(editors) == 1 else None

    def _write_as_team(
        self,
        key: Key,
        owner_id: str,
        attributes: dict[str, Any],
        team_id: str,
        token: str,
        write: _Write,
    ) -> SharedRecord[FieldsT] | None:
        """One TransactWriteItems: a ConditionCheck that the caller's membership record and the
        team record still carry the team's generation, and the item's update conditioned on the
        team's editor grant (same generation) and on the version just read. A removal, a team
        deletion or a revoke that has answered makes it fail; None then (the caller re-reads).
        Losing this write to an engine crash loses an edit, never a boundary."""
        generation = str(team_entries(attributes)[team_id][1])
        version = int(attributes["version"])
        now = now_iso()
        try:
            self._engine.transact_write_items(
                [
                    self._engine.condition_check_action(
                        membership_key(self._caller, team_id).wire(), generation_is(generation)
                    ),
                    self._engine.condition_check_action(
                        team_key(self._caller, team_id).wire(), generation_is(generation)
                    ),
                    self._engine.update_action(
                        key.wire(),
                        write.expression,
                        to_wire({**write.values, ":now": now, ":token": token}),
                        team_editable_by(self._caller, owner_id, team_id, generation, version),
                        write.names,
                    ),
                ]
            )
        except TransactionFailed:
            return None
        after = {**attributes, **write.stored, "version": version + 1, "updated_at": now}
        return SharedRecord(record_from(self._entity, after), EDITOR, team_id)

    @staticmethod
    def _why_refused(
        shared: SharedRecord[FieldsT] | None, expected_version: int | None
    ) -> Exception:
        """What the caller may know of a refused write, from the item as they could read it:
        nothing (404), that it is read-only to them (403), or that their version is stale (412).
        Nobody learns more than a read would show them."""
        if shared is None:
            return NotFound()
        if shared.my_role not in (EDITOR, OWNER):
            return Forbidden()
        if expected_version is not None and shared.record.version != expected_version:
            return VersionConflict()
        return NotFound()

    def page(self, limit: int, cursor: str | None = None) -> SharedPage[FieldsT]:
        """Items shared with the caller directly, then with each of the caller's teams (by team
        id), each item once. Direct: one Query on the caller's own partition (their grant
        records) and one consistent BatchGetItem of those items, keeping only the items that
        still exist and still grant the caller a role. When the direct grants end, the caller's
        live teams are looked up (a Query of their memberships and, if any, one BatchGetItem),
        and the page fills up from the teams' indexes (`_team_step`, at most
        `_TEAM_STEPS_PER_PAGE` of them per page). A limit outside
        1..MAX_SHARED_PAGE_LIMIT is InvalidRequest (422), before anything is sent."""
        _check_limit(limit)
        binding = cursor_binding("shared", self._caller.org_id, self._caller.sub, self._entity.kind)
        start = self._sealer.open(cursor, binding) if cursor is not None else None
        records: list[SharedRecord[FieldsT]] = []
        live: dict[str, Team] | None = None
        position: dict[str, Any] | None
        if start is not None and _TEAM in start:
            position = start
        else:
            page = self._engine.query(
                "pk = :pk AND begins_with(sk, :prefix)",
                {
                    ":pk": {"S": owner_partition(self._caller)},
                    ":prefix": {"S": shared_prefix(self._entity.kind)},
                },
                limit=limit,
                start=start,
                projection="owner_id, item_id",
            )
            records = self._fetch(page.items, self._granted_directly)
            if page.last_key is not None:
                return SharedPage(records, self._sealer.seal(dict(page.last_key), binding))
            live = self._my_live_teams()
            position = {_TEAM: {"S": min(live)}} if live else None
        for _ in range(_TEAM_STEPS_PER_PAGE):
            if position is None or len(records) >= limit:
                break
            if live is None:
                live = self._my_live_teams()
            more, position = self._team_step(limit - len(records), position, live)
            records += more
        return SharedPage(records, self._sealer.seal(position, binding) if position else None)

    def _granted_directly(self, attributes: dict[str, Any], _: SharedRecord[FieldsT]) -> bool:
        """Listed with the direct grants: the item grants the caller a role by name."""
        return role_of(self._caller, self._entity, attributes) in ROLES

    def _my_live_teams(self) -> dict[str, Team]:
        """The caller's teams right now: a Query of their membership records, and (if any) one
        consistent BatchGetItem of those teams and memberships."""
        ids = MyTeams(self._engine, self._caller).my_team_ids()
        return live_teams(self._engine, self._caller, ids) if ids else {}

    def _team_step(
        self, limit: int, position: dict[str, Any], live: dict[str, Team]
    ) -> tuple[list[SharedRecord[FieldsT]], dict[str, Any] | None]:
        """Up to `limit` items shared with one of the caller's live teams (the one `position`
        names, or the next one still live): one Query of the team's index and one consistent
        BatchGetItem of the items; and where to continue. An item is listed under the first of
        the caller's teams that grants it, and not at all if it grants the caller directly (it
        was listed with the direct grants)."""
        named = str(position[_TEAM].get("S", ""))
        remaining = sorted(team for team in live if team >= named)
        if not remaining:
            return [], None
        team_id = remaining[0]
        resume = position.get(_AFTER) if named == team_id else None
        page = self._engine.query(
            "pk = :pk AND begins_with(sk, :prefix)",
            {
                ":pk": {"S": team_index_partition(self._caller, team_id)},
                ":prefix": {"S": shared_prefix(self._entity.kind)},
            },
            limit=limit,
            start=resume,
            projection="owner_id, item_id",
        )

        def first_listed_here(attributes: dict[str, Any], shared: SharedRecord[FieldsT]) -> bool:
            granting = granting_teams(attributes, live)
            return (
                not self._granted_directly(attributes, shared)
                and bool(granting)
                and min(granting) == team_id
            )

        records = self._fetch(page.items, first_listed_here, live)
        if page.last_key is not None:
            return records, {_TEAM: {"S": team_id}, _AFTER: page.last_key}
        if len(remaining) > 1:
            return records, {_TEAM: {"S": remaining[1]}}
        return records, None

    def org_page(self, limit: int, cursor: str | None = None) -> SharedPage[FieldsT]:
        """Items visible to the caller's whole org: one Query on the sparse `gsi2` partition of
        the caller's org and one consistent BatchGetItem, keeping only items still visible. A
        limit outside 1..MAX_SHARED_PAGE_LIMIT is InvalidRequest (422)."""
        _check_limit(limit)
        if not self._entity.org_visible:
            return SharedPage([], None)
        binding = cursor_binding("org", self._caller.org_id, self._caller.sub, self._entity.kind)
        start = self._sealer.open(cursor, binding) if cursor is not None else None
        page = self._engine.query(
            "gsi2pk = :pk AND begins_with(gsi2sk, :prefix)",
            {
                ":pk": {"S": visible_partition(self._caller)},
                ":prefix": {"S": entity_prefix(self._entity.kind)},
            },
            index=GSI_VISIBLE,
            limit=limit,
            start=start,
        )
        records = self._fetch(
            page.items, lambda attributes, _: attributes.get(VISIBILITY_FIELD) == ORG
        )
        last = page.last_key
        return SharedPage(records, self._sealer.seal(dict(last), binding) if last else None)

    def _fetch(
        self,
        pointers: list[Wire],
        keep: Callable[[dict[str, Any], SharedRecord[FieldsT]], bool],
        live: dict[str, Team] | None = None,
    ) -> list[SharedRecord[FieldsT]]:
        """The items `pointers` (owner_id, item_id) name, rebuilt as keys in the caller's org,
        read in one consistent BatchGetItem, in the pointers' order; with the caller's `live`
        teams (looked up only if a team grant could raise a role, when not given)."""
        keys: list[Key] = []
        for pointer in pointers:
            found = from_wire(pointer)
            owner_id, item_id = found.get("owner_id"), found.get("item_id")
            if (
                isinstance(owner_id, str)
                and isinstance(item_id, str)
                and is_key_segment(owner_id)
                and is_item_id(item_id)
            ):
                keys.append(shared_item_key(self._caller, owner_id, self._entity.kind, item_id))
        items = self._engine.batch_get_item([key.wire() for key in keys], consistent=True)
        found_items = [from_wire(item) for item in items]
        by_key = {(item["pk"], item["sk"]): item for item in found_items}
        if live is None:
            live = self._live_for(found_items)
        records = []
        for key in keys:
            attributes = by_key.get((key.pk, key.sk))
            if attributes is None:
                continue
            shared = self._shared_from(attributes, live)
            if shared is not None and keep(attributes, shared):
                records.append(shared)
        return records


@dataclass(frozen=True)
class _Write:
    """An editor's update, as sent to DynamoDB: the expression, its values and names, and the
    stored form of the changed fields."""

    expression: str
    values: dict[str, Any]
    names: dict[str, str]
    stored: dict[str, Any]


_TEAM_WRITE_ATTEMPTS = 3
"""A team editor's transaction refused by a concurrent write is re-read and re-tried this often."""
_TEAM_STEPS_PER_PAGE = 4
"""Team indexes read for one page at most (two requests each); the cursor continues from there."""
_TEAM = "team"
_AFTER = "after"
"""A cursor into the team part of the shared list: `{team: {S: id}, after: LastEvaluatedKey}`."""


def _check_limit(limit: int) -> None:
    if (
        isinstance(limit, bool)
        or not isinstance(limit, int)
        or not 1 <= limit <= MAX_SHARED_PAGE_LIMIT
    ):
        raise InvalidRequest(f"limit must be an integer from 1 to {MAX_SHARED_PAGE_LIMIT}")
