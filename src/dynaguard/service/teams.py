"""`/org/teams` (an org admin manages the teams of their own org) and `/teams/mine` (any member's
own teams). Membership is stored, never read from token claims; removing a member or deleting a
team is one single-item write that every later check reads."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from dynaguard.audit import log_admin_action
from dynaguard.service.dependencies import CallerTeams, OrgTeams
from dynaguard.service.models import MemberList, MemberOut, TeamList, TeamOut, TeamRequest

router = APIRouter(tags=["teams"])

_ADMIN: dict[int | str, dict[str, Any]] = {403: {"description": "not an org admin"}}
_NO_TEAM: dict[int | str, dict[str, Any]] = {404: {"description": "no such team in your org"}}


@router.put(
    "/org/teams/{team_id}",
    responses={
        200: {"model": TeamOut, "description": "renamed"},
        201: {"model": TeamOut, "description": "created"},
        **_ADMIN,
        422: {"description": "team_id is not [a-z0-9][a-z0-9-]{0,62}, or an invalid name"},
    },
)
def put_team(team_id: str, payload: TeamRequest, teams: OrgTeams, request: Request) -> JSONResponse:
    """Create a team in your org (201) or rename it (200)."""
    team, created = teams.put(team_id, payload.name)
    status = 201 if created else 200
    log_admin_action(request, request.state.principal_label, status, "put team")
    return JSONResponse(team.as_dict(), status_code=status)


@router.get("/org/teams", responses={200: {"model": TeamList, "description": "teams"}, **_ADMIN})
def list_teams(teams: OrgTeams) -> JSONResponse:
    """The teams of your org."""
    return JSONResponse({"teams": [team.as_dict() for team in teams.all()]})


@router.delete("/org/teams/{team_id}", status_code=204, responses={**_ADMIN, **_NO_TEAM})
def delete_team(team_id: str, teams: OrgTeams, request: Request) -> Response:
    """From the moment this answers, no membership or team grant of the team counts."""
    teams.delete(team_id)
    log_admin_action(request, request.state.principal_label, 204, "delete team")
    return Response(status_code=204)


@router.put(
    "/org/teams/{team_id}/members/{user_id}",
    responses={
        200: {"model": MemberOut, "description": "the membership"},
        **_ADMIN,
        **_NO_TEAM,
        422: {"description": "not a user id"},
    },
)
def add_member(team_id: str, user_id: str, teams: OrgTeams, request: Request) -> JSONResponse:
    """Add a member of your org to a team of your org."""
    membership = teams.add_member(team_id, user_id)
    log_admin_action(request, request.state.principal_label, 200, "add team member")
    return JSONResponse(membership.as_dict())


@router.delete(
    "/org/teams/{team_id}/members/{user_id}",
    status_code=204,
    responses={**_ADMIN, 404: {"description": "no such team in your org, or not a member"}},
)
def remove_member(team_id: str, user_id: str, teams: OrgTeams, request: Request) -> Response:
    """From the moment this answers, no request of the former member relying on the team
    succeeds, including a write sent while this was in flight."""
    teams.remove_member(team_id, user_id)
    log_admin_action(request, request.state.principal_label, 204, "remove team member")
    return Response(status_code=204)


@router.get(
    "/org/teams/{team_id}/members",
    responses={
        200: {"model": MemberList, "description": "the members"},
        404: {"description": "no such team, or you are neither its member nor an org admin"},
    },
)
def list_members(team_id: str, teams: CallerTeams) -> JSONResponse:
    """The members of a team: for an admin of its org, or a member of it."""
    return JSONResponse({"members": [member.as_dict() for member in teams.members(team_id)]})


@router.get("/teams/mine", responses={200: {"model": TeamList, "description": "your teams"}})
def my_teams(teams: CallerTeams) -> JSONResponse:
    """Your teams in your org."""
    return JSONResponse({"teams": [team.as_dict() for team in teams.mine()]})
