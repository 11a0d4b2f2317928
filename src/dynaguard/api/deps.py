"""Dependency aliases: a route states what it needs in its signature and gets a store view that is
already scoped to the verified caller. Routes never see the client or the table."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from dynaguard.api.models import ITEMS, ItemFields
from dynaguard.auth import AdminPrincipal, Principal
from dynaguard.store import OwnedCollection, Profiles, Store, TenantView


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(get_store)]


def own_items(
    request: Request, principal: Principal, store: StoreDep
) -> OwnedCollection[ItemFields]:
    request.state.principal_label = principal.label
    return store.owned(principal, ITEMS)


def org_items(request: Request, admin: AdminPrincipal, store: StoreDep) -> TenantView[ItemFields]:
    request.state.principal_label = admin.label
    return store.tenant(admin, ITEMS)


def own_profiles(request: Request, principal: Principal, store: StoreDep) -> Profiles:
    request.state.principal_label = principal.label
    return store.profiles(principal)


OwnItems = Annotated[OwnedCollection[ItemFields], Depends(own_items)]
OrgItems = Annotated[TenantView[ItemFields], Depends(org_items)]
MyProfiles = Annotated[Profiles, Depends(own_profiles)]
