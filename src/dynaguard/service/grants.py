"""`/org/items/{item_id}/grants`: the owner shares one item with members of their own org. The
grant lives on the item, so every shared write re-states it inside DynamoDB; grants and revokes
are one transaction each and write an audit line."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from dynaguard.audit import log_sharing
from dynaguard.service.dependencies import ItemGrants, ItemTeamGrants
from dynaguard.service.models import MAX_GRANTS, GrantList, GrantOut, GrantRequest

router = APIRouter(prefix="/org/items/{item_id}/grants", tags=["sharing"])

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such item of yours (or, on DELETE, no such grant)"}
}


@router.put(
    "/{user_id}",
    responses={
        200: {"model": GrantOut, "description": "the grant (a previous one is replaced)"},
        **_NOT_FOUND,
        409: {"description": f"the item already has {MAX_GRANTS} grants"},
        422: {"description": "a grant to yourself, or not a user id"},
    },
)
def put_grant(
    item_id: str, user_id: str, payload: GrantRequest, grants: ItemGrants, request: Request
) -> JSONResponse:
    """Give `user_id` (a member of your own org) a role on your item."""
    grant = grants.put(item_id, user_id, payload.role)
    log_sharing(request, request.state.principal_label, "grant", item_id, user_id, grant.role)
    return JSONResponse(grant.as_dict())


@router.get("", responses={200: {"model": GrantList, "description": "grants"}, **_NOT_FOUND})
def list_grants(item_id: str, grants: ItemGrants, team_grants: ItemTeamGrants) -> JSONResponse:
    """The item's user grants and team grants (two consistent reads of your own item)."""
    users = [grant.as_dict() for grant in grants.list(item_id)]
    teams = [grant.as_dict() for grant in team_grants.list(item_id)]
    return JSONResponse({"grants": users, "team_grants": teams})


@router.delete("/{user_id}", status_code=204, responses=_NOT_FOUND)
def revoke_grant(item_id: str, user_id: str, grants: ItemGrants, request: Request) -> Response:
    """From the moment this answers, no request of the former grantee succeeds."""
    grants.revoke(item_id, user_id)
    log_sharing(request, request.state.principal_label, "revoke", item_id, user_id, "")
    return Response(status_code=204)
