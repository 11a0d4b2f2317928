"""FastAPI: `GET /users/me` answers `{"user": {...}}`, and settings are keyed by username
(`/accounts/{username}/settings`). Vulnerable: settings of any username are readable/writable."""

from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from dynaguard.probe.engine.identities import Identity

from ._kit import PEOPLE, static

EXPECTED = {
    ("bola-read", "GET /accounts/{username}/settings"),
    ("bola-write", "PATCH /accounts/{username}/settings"),
}
TOKENS = {"alice": "eyA.alice.sig", "bob": "eyB.bob.sig", "dave": "eyD.dave.sig"}


class SettingsPatch(BaseModel):
    theme: str | None = None
    signature: str | None = None


def create_app(vulnerable: bool) -> FastAPI:
    app = FastAPI(title="accounts")
    people = {name: {"id": n + 1, "username": name, "email": f"{name}@corp.test"}
              for n, name in enumerate(PEOPLE)}  # fmt: skip
    settings = {name: {"username": name, "theme": "light", "signature": ""} for name in PEOPLE}
    by_token = {token: name for name, token in TOKENS.items()}
    bearer = HTTPBearer(auto_error=False)

    def user(creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
        if creds is None or creds.credentials not in by_token:
            raise HTTPException(401, "invalid token")
        return by_token[creds.credentials]

    User = Annotated[str, Depends(user)]

    def allowed(username: str, me: str) -> dict[str, Any]:
        if username not in settings or (not vulnerable and username != me):
            raise HTTPException(404, "no such account")
        return settings[username]

    @app.get("/users/me")
    def me(me: User) -> dict[str, Any]:
        return {"user": people[me], "links": {"settings": f"/accounts/{me}/settings"}}

    @app.get("/accounts/{username}/settings")
    def read(username: str, me: User) -> dict[str, Any]:
        return allowed(username, me)

    @app.patch("/accounts/{username}/settings")
    def update(username: str, patch: SettingsPatch, me: User) -> dict[str, Any]:
        found = allowed(username, me)
        found.update(patch.model_dump(exclude_none=True))
        return found

    return app


def identities(url: str) -> list[Identity]:
    return static(TOKENS)
