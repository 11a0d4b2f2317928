"""Dependency factories and the service's aliases: a route states what it needs in its signature and
gets a store view already scoped to the verified caller. Routes never see the client or the table.

Library users do the same for their own entity types:
`Notes = Annotated[OwnedCollection[NoteFields], Depends(owned_by_caller(NOTES))]`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from dynaguard.api.models import ITEMS, ItemFields
from dynaguard.auth import AdminPrincipal, Principal
from dynaguard.store import EntityType, OwnedCollection, Profiles, Store, TenantView
from dynaguard.store.entity import FieldsT


def get_store(request: Request) -> Store:
    """The Store that `attach_dynaguard` put on the app."""
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(get_store)]


def owned_by_caller(
    entity: EntityType[FieldsT],
) -> Callable[[Request, Principal, StoreDep], OwnedCollection[FieldsT]]:
    """A dependency giving the caller's own collection of `entity` (401 without a valid token)."""

    def dependency(
        request: Request, principal: Principal, store: StoreDep
    ) -> OwnedCollection[FieldsT]:
        request.state.principal_label = principal.label
        return store.owned(principal, entity)

    return dependency


def tenant_of_admin(
    entity: EntityType[FieldsT],
) -> Callable[[Request, AdminPrincipal, StoreDep], TenantView[FieldsT]]:
    """A dependency giving an org admin's view of `entity` in their own org (403 otherwise)."""

    def dependency(request: Request, admin: AdminPrincipal, store: StoreDep) -> TenantView[FieldsT]:
        request.state.principal_label = admin.label
        return store.tenant(admin, entity)

    return dependency


def own_profiles(request: Request, principal: Principal, store: StoreDep) -> Profiles:
    request.state.principal_label = principal.label
    return store.profiles(principal)


OwnItems = Annotated[OwnedCollection[ItemFields], Depends(owned_by_caller(ITEMS))]
OrgItems = Annotated[TenantView[ItemFields], Depends(tenant_of_admin(ITEMS))]
MyProfiles = Annotated[Profiles, Depends(own_profiles)]
