"""FastAPI members' area in the shape of sign-up/login tutorials: `POST /register`, `POST /login`
answering `access_token`, `/me`, an account update taking only `username`/`email`, a password
change keyed by user id, and saved addresses under the user with no item GET (the witness of an
address is the user's address list).

Vulnerable: the account update, the password change (no current password asked) and the address
update check only that the caller is signed in, not that the path names the caller; and sign-up
takes a `role` (`member` | `editor`) that only shows in the new account's own `/me`. `editor` is
the role dave holds (probed with `--role dave=editor`): a name that says nothing of privilege, so
the probe must learn it from the privileged identity."""

import itertools
import secrets
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from dynaguard.probe.engine.identities import Identity

from ._kit import PEOPLE, can_log_in, login

EXPECTED = {
    ("bola-write", "PATCH /users/{user_id}"),
    ("bola-write", "PUT /users/{user_id}/password"),
    ("bola-write", "PUT /users/{user_id}/addresses/{address_id}"),
    ("mass-assignment", "POST /register"),
}


class SignUp(BaseModel):
    username: str = Field(min_length=3, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]+$")
    password: str = Field(min_length=8)


class OpenSignUp(SignUp):
    role: Literal["member", "editor"] = "member"


class Credentials(BaseModel):
    username: str
    password: str


class AccountChange(BaseModel):
    username: str | None = Field(default=None, min_length=3, max_length=40)
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[a-z]+$")


class PasswordChange(BaseModel):
    current_password: str | None = None
    new_password: str = Field(min_length=8)


class Address(BaseModel):
    line1: str = Field(min_length=3, max_length=80)
    city: str = Field(min_length=2, max_length=40)
    postcode: str = Field(pattern=r"^[0-9]{5}$")


def create_app(vulnerable: bool) -> FastAPI:
    app = FastAPI(title="members")
    ids = itertools.count(1)
    users: dict[int, dict[str, Any]] = {}
    addresses: dict[int, dict[str, Any]] = {}
    sessions: dict[str, int] = {}
    for name, password in PEOPLE.items():
        user_id = next(ids)
        users[user_id] = {"id": user_id, "username": name, "email": f"{name}@members.test",
                          "password": password,
                          "role": "editor" if name == "dave" else "member"}  # fmt: skip
    bearer = HTTPBearer(auto_error=False)

    def caller(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> int:
        if credentials is None or credentials.credentials not in sessions:
            raise HTTPException(401, "not signed in")
        return sessions[credentials.credentials]

    Caller = Annotated[int, Depends(caller)]

    def shown(user: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in user.items() if k != "password"}

    def target(user_id: int, me: int) -> dict[str, Any]:
        if user_id not in users or (user_id != me and not vulnerable):
            raise HTTPException(404, "no such user")
        return users[user_id]

    def sign_up(body: SignUp) -> dict[str, Any]:
        if any(u["username"] == body.username for u in users.values()):
            raise HTTPException(409, "username taken")
        user_id = next(ids)
        users[user_id] = {"id": user_id, "role": "member", **body.model_dump()}
        return {"id": user_id, "username": body.username}

    if vulnerable:

        @app.post("/register", status_code=201)
        def register_open(body: OpenSignUp) -> dict[str, Any]:
            return sign_up(body)
    else:

        @app.post("/register", status_code=201)
        def register(body: SignUp) -> dict[str, Any]:
            return sign_up(body)

    @app.post("/login")
    def do_login(body: Credentials) -> dict[str, str]:
        for user in users.values():
            if user["username"] == body.username and user["password"] == body.password:
                token = secrets.token_urlsafe(16)
                sessions[token] = user["id"]
                return {"access_token": token, "token_type": "bearer"}
        raise HTTPException(401, "bad credentials")

    @app.get("/me")
    def me(me: Caller) -> dict[str, Any]:
        return shown(users[me])

    @app.patch("/users/{user_id}")
    def change(user_id: int, body: AccountChange, me: Caller) -> dict[str, Any]:
        user = target(user_id, me)
        wanted = body.model_dump(exclude_none=True)
        name = wanted.get("username")
        if name and any(u["username"] == name and u is not user for u in users.values()):
            raise HTTPException(409, "username taken")
        user.update(wanted)
        return shown(user)

    @app.put("/users/{user_id}/password", status_code=204)
    def password(user_id: int, body: PasswordChange, me: Caller) -> None:
        user = target(user_id, me)
        if not vulnerable and body.current_password != user["password"]:
            raise HTTPException(403, "current password is wrong")
        user["password"] = body.new_password

    @app.post("/users/{user_id}/addresses", status_code=201)
    def add_address(user_id: int, body: Address, me: Caller) -> dict[str, Any]:
        if user_id != me:
            raise HTTPException(404, "no such user")
        address_id = next(ids)
        addresses[address_id] = {"id": address_id, "user_id": me, **body.model_dump()}
        return addresses[address_id]

    @app.get("/users/{user_id}/addresses")
    def list_addresses(user_id: int, me: Caller) -> list[dict[str, Any]]:
        if user_id != me:
            raise HTTPException(404, "no such user")
        return [a for a in addresses.values() if a["user_id"] == me]

    @app.put("/users/{user_id}/addresses/{address_id}")
    def change_address(user_id: int, address_id: int, body: Address, me: Caller) -> dict[str, Any]:
        address = addresses.get(address_id)
        if address is None or address["user_id"] != user_id or (user_id != me and not vulnerable):
            raise HTTPException(404, "no such address")
        address.update(body.model_dump())
        return address

    return app


def identities(url: str) -> list[Identity]:
    found = login(url, "/login", "access_token")
    for identity in found:
        if identity.name == "dave":
            identity.roles = frozenset({"editor"})
    return found


def still_logs_in(url: str) -> bool:
    return can_log_in(url)
