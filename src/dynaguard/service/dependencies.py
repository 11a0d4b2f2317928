"""The service's dependency aliases: each route's signature says which scoped view it gets."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from dynaguard.fastapi import (
    grants_of_caller,
    owned_by_caller,
    profile_of_caller,
    shared_with_caller,
    team_grants_of_caller,
    teams_of_admin,
    teams_of_caller,
    tenant_of_admin,
)
from dynaguard.service.models import ITEMS, ItemFields, ProfileFields
from dynaguard.store import (
    MyTeams,
    OwnedCollection,
    OwnerGrants,
    Profiles,
    SharedView,
    TeamDirectory,
    TeamGrants,
    TenantView,
)

OwnItems = Annotated[OwnedCollection[ItemFields], Depends(owned_by_caller(ITEMS))]
OrgItems = Annotated[TenantView[ItemFields], Depends(tenant_of_admin(ITEMS))]
MyProfiles = Annotated[Profiles[ProfileFields], Depends(profile_of_caller(ProfileFields))]
SharedItems = Annotated[SharedView[ItemFields], Depends(shared_with_caller(ITEMS))]
ItemGrants = Annotated[OwnerGrants[ItemFields], Depends(grants_of_caller(ITEMS))]
ItemTeamGrants = Annotated[TeamGrants[ItemFields], Depends(team_grants_of_caller(ITEMS))]
OrgTeams = Annotated[TeamDirectory, Depends(teams_of_admin)]
CallerTeams = Annotated[MyTeams, Depends(teams_of_caller)]
