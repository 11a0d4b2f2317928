"""Labelled case `named_delete`: teams whose id the client names (`PUT /teams/{team_id}`, no POST
creates them). Vulnerable: any caller may DELETE another's team (`bola-delete`); fixed: nothing."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Path, Response
from pydantic import BaseModel, Field

from ._service import Caller, build_app

KIND = "bola-delete"
TeamId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", max_length=16)]


class TeamIn(BaseModel):
    name: str = Field(max_length=64)


class TeamOut(BaseModel):
    team_id: str
    owner_id: str
    name: str


def create_app(vulnerable: bool) -> FastAPI:
    app = build_app()
    teams: dict[str, dict[str, Any]] = {}
    app.state.teams = teams

    def owned(team_id: str, caller: Any) -> dict[str, Any]:
        team = teams.get(team_id)
        if team is None or team["owner_id"] != caller.user_id:
            raise HTTPException(404, "not found")
        return team

    @app.put("/teams/{team_id}", status_code=201, response_model=TeamOut)
    def put_team(
        team_id: TeamId, payload: TeamIn, caller: Caller, response: Response
    ) -> dict[str, Any]:
        if team_id in teams:
            team = owned(team_id, caller)
            response.status_code = 200
            team["name"] = payload.name
            return team
        teams[team_id] = {"team_id": team_id, "owner_id": caller.user_id, "name": payload.name}
        return teams[team_id]

    @app.get("/teams/{team_id}", response_model=TeamOut)
    def get_team(team_id: TeamId, caller: Caller) -> dict[str, Any]:
        return owned(team_id, caller)

    @app.delete("/teams/{team_id}", status_code=204)
    def delete_team(team_id: TeamId, caller: Caller) -> Response:
        if vulnerable and team_id in teams:
            del teams[team_id]
        else:
            del teams[owned(team_id, caller)["team_id"]]
        return Response(status_code=204)

    return app
