"""`/org/items/{item_id}/team-grants`: the owner shares one item with a team of their own org.
The grant is an entry of the item's grant map (one conditional UpdateItem), so members' writes
re-state it inside DynamoDB; grants and revokes write an audit line."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from dynaguard.audit import log_sharing
from dynaguard.service.dependencies import ItemTeamGrants
from dynaguard.service.models import MAX_GRANTS, GrantRequest, TeamGrantOut

router = APIRouter(prefix="/org/items/{item_id}/team-grants", tags=["teams"])


@router.put(
    "/{team_id}",
    responses={
        200: {"model": TeamGrantOut, "description": "the team's grant (a previous one replaced)"},
        404: {"description": "no such item of yours, or no such team in your org"},
        409: {"description": f"the item already has {MAX_GRANTS} user and team grants"},
    },
)
def put_team_grant(
    item_id: str, team_id: str, payload: GrantRequest, grants: ItemTeamGrants, request: Request
) -> JSONResponse:
    """Give a team of your org a role on your item: every member reads it, and editors write."""
    grant = grants.put(item_id, team_id, payload.role)
    label = request.state.principal_label
    log_sharing(request, label, "grant", item_id, f"team:{team_id}", grant.role)
    return JSONResponse(grant.as_dict())


@router.delete(
    "/{team_id}",
    status_code=204,
    responses={404: {"description": "no such item of yours, or no grant to that team"}},
)
def revoke_team_grant(
    item_id: str, team_id: str, grants: ItemTeamGrants, request: Request
) -> Response:
    """From the moment this answers, no request relying on the team's grant succeeds."""
    grants.revoke(item_id, team_id)
    log_sharing(request, request.state.principal_label, "revoke", item_id, f"team:{team_id}", "")
    return Response(status_code=204)
