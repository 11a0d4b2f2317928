"""FastAPI in the RealWorld (Conduit) shape: `Authorization: Token <jwt>`, bodies and answers in a
`{"user": {...}}` envelope, sign-up at `POST /users`, login at `POST /users/login`, `GET /user`.
Vulnerable: sign-up honours an `admin` flag inside the envelope (mass assignment)."""

import base64
import itertools
import json
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import APIKeyHeader
from pydantic import BaseModel

from dynaguard.probe.engine.identities import Identity

from ._kit import PEOPLE, can_log_in, login

EXPECTED = {("mass-assignment", "POST /users")}


class NewUser(BaseModel):
    username: str
    email: str
    password: str
    admin: bool = False


class Credentials(BaseModel):
    username: str
    password: str


class Profile(BaseModel):
    bio: str | None = None
    image: str | None = None


class SignUp(BaseModel):
    user: NewUser


class SignIn(BaseModel):
    user: Credentials


class ProfileUpdate(BaseModel):
    user: Profile


def _jwt(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256'})}.{part(claims)}.c2ln"


def create_app(vulnerable: bool) -> FastAPI:
    app = FastAPI(title="conduit")
    ids = itertools.count(1)
    users = {
        name: {"id": next(ids), "username": name, "email": f"{name}@conduit.test", "bio": "",
               "admin": False, "password": pw}
        for name, pw in PEOPLE.items()
    }  # fmt: skip
    header = APIKeyHeader(name="Authorization", auto_error=False)

    def user(value: Annotated[str | None, Depends(header)]) -> dict[str, Any]:
        scheme, _, token = (value or "").partition(" ")
        for found in users.values():
            if scheme == "Token" and token == found.get("token"):
                return found
        raise HTTPException(401, "unauthorized")

    Me = Annotated[dict[str, Any], Depends(user)]

    def show(found: dict[str, Any]) -> dict[str, Any]:
        return {"user": {k: v for k, v in found.items() if k != "password"}}

    @app.post("/users", status_code=201)
    def sign_up(body: SignUp) -> dict[str, Any]:
        new = body.user
        if new.username in users:
            raise HTTPException(409, "username taken")
        admin = new.admin if vulnerable else False
        record = {"id": next(ids), "username": new.username, "email": new.email, "bio": "",
                  "admin": admin, "password": new.password}  # fmt: skip
        users[new.username] = record
        return show(record)

    @app.post("/users/login")
    def sign_in(body: SignIn) -> dict[str, Any]:
        given = body.user
        found = users.get(given.username)
        if found is None or found["password"] != given.password:
            raise HTTPException(401, "bad credentials")
        found["token"] = _jwt({"sub": str(found["id"]), "username": found["username"]})
        return show(found)

    @app.get("/user")
    def current(me: Me) -> dict[str, Any]:
        return show(me)

    @app.put("/user")
    def update(body: ProfileUpdate, me: Me) -> dict[str, Any]:
        me.update(body.user.model_dump(exclude_none=True))
        return show(me)

    return app


def identities(url: str) -> list[Identity]:
    return login(url, "/users/login", "token", envelope="user", prefix="Token ")


def still_logs_in(url: str) -> bool:
    return can_log_in(url, "/users/login", envelope="user")
