"""A tiny items service on a dict, with one switch per access-control bug the probe must find.

With no switch on, every route is scoped to the caller: foreign objects are 404, admin routes 403.
"""

import base64
import hashlib
import hmac
import itertools
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Request, Response
from pydantic import BaseModel, Field

BUGS = frozenset(
    {
        "bola_read",
        "bola_write",
        "bfla",
        "mass_assignment",
        "cursor_replay",
        "list_leak",
        "delete_403",
    }
)
_KEY = b"test-cursor-key"


@dataclass(frozen=True)
class User:
    """The caller, from a trivial bearer token (`tok-alice`)."""

    user_id: str
    org_id: str
    roles: tuple[str, ...] = ()


USERS = {
    "tok-alice": User("alice", "org1"),
    "tok-bob": User("bob", "org1"),
    "tok-carol": User("carol", "org1", ("admin",)),
    "tok-dave": User("dave", "org2"),
}


class ItemIn(BaseModel):
    name: str = Field(max_length=64)
    data: str | None = Field(default=None, max_length=200)


class ItemInWithOwner(ItemIn):
    owner_id: str | None = None
    org_id: str | None = None


class ItemPatch(BaseModel):
    name: str | None = Field(default=None, max_length=64)
    data: str | None = None


class ItemOut(BaseModel):
    item_id: str
    owner_id: str
    org_id: str
    name: str
    data: str | None = None


class ItemPage(BaseModel):
    items: list[ItemOut]
    next_cursor: str | None = None


def _current(authorization: Annotated[str | None, Header()] = None) -> User:
    token = (authorization or "").removeprefix("Bearer ")
    if token not in USERS:
        raise HTTPException(401, "not authenticated")
    return USERS[token]


Caller = Annotated[User, Depends(_current)]


def _seal(payload: dict[str, str]) -> str:
    raw = json.dumps(payload, sort_keys=True).encode()
    tag = hmac.new(_KEY, raw, hashlib.sha256).hexdigest()[:16]
    return base64.urlsafe_b64encode(raw).decode() + "." + tag


def _open(cursor: str, caller: User, sealed: bool) -> dict[str, str]:
    body, _, tag = cursor.partition(".")
    try:
        raw = base64.urlsafe_b64decode(body.encode())
        payload: dict[str, str] = json.loads(raw)
    except ValueError:
        raise HTTPException(400, "bad cursor") from None
    if sealed:
        good = hmac.new(_KEY, raw, hashlib.sha256).hexdigest()[:16]
        if not hmac.compare_digest(good, tag) or payload.get("owner") != caller.user_id:
            raise HTTPException(400, "bad cursor")
    return payload


def build_app(bugs: frozenset[str] = frozenset()) -> FastAPI:
    """The service with the given bugs switched on; `app.state.hits` counts requests served."""
    assert bugs <= BUGS, bugs
    app = FastAPI(title="probe test service")
    app.state.hits = 0
    items: dict[str, dict[str, Any]] = {}
    sequence = itertools.count(1)

    @app.middleware("http")
    async def _count(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Any:
        app.state.hits += 1
        return await call_next(request)

    def owned(item_id: str, caller: User, check: bool = True) -> dict[str, Any]:
        item = items.get(item_id)
        if item is None or (check and item["owner_id"] != caller.user_id):
            raise HTTPException(404, "not found")
        return item

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/me")
    def me(caller: Caller) -> dict[str, Any]:
        return {"user_id": caller.user_id, "org_id": caller.org_id, "roles": list(caller.roles)}

    body_model = ItemInWithOwner if "mass_assignment" in bugs else ItemIn

    @app.post("/items", status_code=201, response_model=ItemOut)
    def create_item(payload: body_model, caller: Caller) -> dict[str, Any]:  # type: ignore[valid-type]
        owner = getattr(payload, "owner_id", None) or caller.user_id
        org = getattr(payload, "org_id", None) or caller.org_id
        item_id = f"itm{next(sequence):05d}"
        items[item_id] = {
            "item_id": item_id,
            "owner_id": owner,
            "org_id": org,
            "name": payload.name,
            "data": payload.data,
        }
        return items[item_id]

    @app.get("/items", response_model=ItemPage)
    def list_items(caller: Caller, limit: int = 10, cursor: str | None = None) -> dict[str, Any]:
        owner = caller.user_id
        after = ""
        if cursor:
            payload = _open(cursor, caller, sealed="cursor_replay" not in bugs)
            owner, after = payload["owner"], payload["after"]
        visible = [
            item
            for key, item in sorted(items.items())
            if key > after and ("list_leak" in bugs or item["owner_id"] == owner)
        ]
        page = visible[:limit]
        more = len(visible) > limit
        next_cursor = None
        if more:
            state = {"owner": owner, "after": page[-1]["item_id"]}
            plain = base64.urlsafe_b64encode(json.dumps(state).encode()).decode()
            next_cursor = plain if "cursor_replay" in bugs else _seal(state)
        return {"items": page, "next_cursor": next_cursor}

    @app.get("/items/{item_id}", response_model=ItemOut)
    def get_item(item_id: str, caller: Caller) -> dict[str, Any]:
        return owned(item_id, caller, check="bola_read" not in bugs)

    @app.patch("/items/{item_id}", response_model=ItemOut)
    def patch_item(item_id: str, patch: ItemPatch, caller: Caller) -> dict[str, Any]:
        item = owned(item_id, caller, check="bola_write" not in bugs)
        item.update(patch.model_dump(exclude_none=True))
        return item

    @app.delete("/items/{item_id}", status_code=204)
    def delete_item(item_id: str, caller: Caller) -> Response:
        if "delete_403" in bugs:
            item = items.pop(item_id, None)
            if item is None:
                raise HTTPException(404, "not found")
            if item["owner_id"] != caller.user_id:
                raise HTTPException(403, "forbidden")
            return Response(status_code=204)
        owned(item_id, caller)
        del items[item_id]
        return Response(status_code=204)

    @app.get("/admin/users", tags=["admin"])
    def admin_users(caller: Caller) -> list[dict[str, str]]:
        if "bfla" not in bugs and "admin" not in caller.roles:
            raise HTTPException(403, "admins only")
        return [
            {"user_id": user.user_id, "org_id": user.org_id}
            for user in USERS.values()
            if user.org_id == caller.org_id
        ]

    return app
