"""Dependency factories: a route states what it needs in its signature and gets a store view
already scoped to the verified caller. Routes never see the client or the table.

They are `async` because they do no I/O: that spares a thread-pool hand-off per request (the
token check and the DynamoDB call stay in the pool). Usage:
`Notes = Annotated[OwnedCollection[NoteFields], Depends(owned_by_caller(NOTES))]`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from dynaguard.auth import AdminPrincipal, Principal
from dynaguard.store import (
    EntityType,
    OwnedCollection,
    OwnerGrants,
    Profiles,
    SharedView,
    Store,
    TenantView,
)
from dynaguard.store.entity import FieldsT


async def get_store(request: Request) -> Store:
    """The Store that `attach_dynaguard` put on the app."""
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(get_store)]


def owned_by_caller(
    entity: EntityType[FieldsT],
) -> Callable[[Request, Principal, StoreDep], Awaitable[OwnedCollection[FieldsT]]]:
    """A dependency giving the caller's own collection of `entity` (401 without a valid token)."""

    async def dependency(
        request: Request, principal: Principal, store: StoreDep
    ) -> OwnedCollection[FieldsT]:
        request.state.principal_label = principal.label
        return store.owned(principal, entity)

    return dependency


def tenant_of_admin(
    entity: EntityType[FieldsT],
) -> Callable[[Request, AdminPrincipal, StoreDep], Awaitable[TenantView[FieldsT]]]:
    """A dependency giving an org admin's view of `entity` in their own org (403 otherwise)."""

    async def dependency(
        request: Request, admin: AdminPrincipal, store: StoreDep
    ) -> TenantView[FieldsT]:
        request.state.principal_label = admin.label
        return store.tenant(admin, entity)

    return dependency


def profile_of_caller(
    fields: type[FieldsT],
) -> Callable[[Request, Principal, StoreDep], Awaitable[Profiles[FieldsT]]]:
    """A dependency giving the caller's own profile, whose application fields are `fields`."""

    async def dependency(
        request: Request, principal: Principal, store: StoreDep
    ) -> Profiles[FieldsT]:
        request.state.principal_label = principal.label
        return store.profiles(principal, fields)

    return dependency


def shared_with_caller(
    entity: EntityType[FieldsT],
) -> Callable[[Request, Principal, StoreDep], Awaitable[SharedView[FieldsT]]]:
    """A dependency giving the items of `entity` that others in the caller's org shared with the
    caller (directly, or with the whole org). The entity type must declare `sharing`."""
    if entity.sharing is None:
        raise ValueError(f"entity kind {entity.kind} does not declare sharing")

    async def dependency(
        request: Request, principal: Principal, store: StoreDep
    ) -> SharedView[FieldsT]:
        request.state.principal_label = principal.label
        return store.shared(principal, entity)

    return dependency


def grants_of_caller(
    entity: EntityType[FieldsT],
) -> Callable[[Request, Principal, StoreDep], Awaitable[OwnerGrants[FieldsT]]]:
    """A dependency giving the caller's grant management on their own items of `entity`."""
    if entity.sharing is None:
        raise ValueError(f"entity kind {entity.kind} does not declare sharing")

    async def dependency(
        request: Request, principal: Principal, store: StoreDep
    ) -> OwnerGrants[FieldsT]:
        request.state.principal_label = principal.label
        return store.grants(principal, entity)

    return dependency
