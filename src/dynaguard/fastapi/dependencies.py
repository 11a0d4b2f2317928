"""Dependency factories: a route states what it needs in its signature and gets a store view
already scoped to the verified caller. Routes never see the client or the table.

They are `async` because they do no I/O: that spares a thread-pool hand-off per request (the
token check and the DynamoDB call stay in the pool). Usage:
`Notes = Annotated[OwnedCollection[NoteFields], Depends(owned_by_caller(NOTES))]`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi import Request

from dynaguard.auth import VerifiedPrincipal
from dynaguard.fastapi._store import store_of
from dynaguard.fastapi.principals import AdminPrincipal, Principal
from dynaguard.store import (
    EntityType,
    MyTeams,
    OwnedCollection,
    OwnerGrants,
    Profiles,
    SharedView,
    Store,
    TeamDirectory,
    TeamGrants,
    TenantView,
)
from dynaguard.store.entity import FieldsT

ViewT = TypeVar("ViewT")
CallerView = Callable[[Request, Principal], Awaitable[ViewT]]


def _bound_to_caller(view: Callable[[Store, VerifiedPrincipal], ViewT]) -> CallerView[ViewT]:
    """A dependency that verifies the caller (401 otherwise), labels the request for the audit
    log and returns `view(store, caller)`: every view below is built from the principal alone."""

    async def dependency(request: Request, principal: Principal) -> ViewT:
        request.state.principal_label = principal.label
        return view(store_of(request), principal)

    return dependency


def owned_by_caller(entity: EntityType[FieldsT]) -> CallerView[OwnedCollection[FieldsT]]:
    """A dependency giving the caller's own collection of `entity` (401 without a valid token)."""
    return _bound_to_caller(lambda store, caller: store.owned(caller, entity))


def tenant_of_admin(
    entity: EntityType[FieldsT],
) -> Callable[[Request, AdminPrincipal], Awaitable[TenantView[FieldsT]]]:
    """A dependency giving an org admin's view of `entity` in their own org (403 otherwise)."""

    async def dependency(request: Request, admin: AdminPrincipal) -> TenantView[FieldsT]:
        request.state.principal_label = admin.label
        return store_of(request).tenant(admin, entity)

    return dependency


def profile_of_caller(fields: type[FieldsT]) -> CallerView[Profiles[FieldsT]]:
    """A dependency giving the caller's own profile, whose application fields are `fields`."""
    return _bound_to_caller(lambda store, caller: store.profiles(caller, fields))


def _sharing(entity: EntityType[FieldsT]) -> EntityType[FieldsT]:
    if entity.sharing is None:
        raise ValueError(f"entity kind {entity.kind} does not declare sharing")
    return entity


def shared_with_caller(entity: EntityType[FieldsT]) -> CallerView[SharedView[FieldsT]]:
    """A dependency giving the items of `entity` that others in the caller's org shared with the
    caller (directly, or with the whole org). The entity type must declare `sharing`."""
    shareable = _sharing(entity)
    return _bound_to_caller(lambda store, caller: store.shared(caller, shareable))


def grants_of_caller(entity: EntityType[FieldsT]) -> CallerView[OwnerGrants[FieldsT]]:
    """A dependency giving the caller's grant management on their own items of `entity`."""
    shareable = _sharing(entity)
    return _bound_to_caller(lambda store, caller: store.grants(caller, shareable))


def team_grants_of_caller(entity: EntityType[FieldsT]) -> CallerView[TeamGrants[FieldsT]]:
    """A dependency giving the caller's team grant management on their own items of `entity`."""
    shareable = _sharing(entity)
    return _bound_to_caller(lambda store, caller: store.team_grants(caller, shareable))


async def teams_of_admin(request: Request, admin: AdminPrincipal) -> TeamDirectory:
    """A dependency giving an org admin the teams of their own org (403 otherwise)."""
    request.state.principal_label = admin.label
    return store_of(request).teams(admin)


async def teams_of_caller(request: Request, principal: Principal) -> MyTeams:
    """A dependency giving the caller's own teams (and members of a team they are in)."""
    request.state.principal_label = principal.label
    return store_of(request).my_teams(principal)
