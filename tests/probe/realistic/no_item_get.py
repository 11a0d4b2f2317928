"""FastAPI bookmarks with no item GET: only the owner's list shows an object. Vulnerable: PUT and
DELETE by id skip the owner check, so only the owner's list can prove it."""

import itertools
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, HttpUrl

from dynaguard.probe.engine.identities import Identity

from ._kit import static

EXPECTED = {
    ("bola-write", "PUT /bookmarks/{bookmark_id}"),
    ("bola-delete", "DELETE /bookmarks/{bookmark_id}"),
}
TOKENS = {"alice": "bm-alice", "bob": "bm-bob", "dave": "bm-dave"}


class BookmarkIn(BaseModel):
    url: HttpUrl
    title: str


def create_app(vulnerable: bool) -> FastAPI:
    app = FastAPI(title="bookmarks")
    marks: dict[int, dict[str, Any]] = {}
    ids = itertools.count(1)
    bearer = HTTPBearer(auto_error=False)
    by_token = {token: name for name, token in TOKENS.items()}

    def user(creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
        if creds is None or creds.credentials not in by_token:
            raise HTTPException(401, "unauthorized")
        return by_token[creds.credentials]

    User = Annotated[str, Depends(user)]

    def mark(bookmark_id: int, me: str) -> dict[str, Any]:
        found = marks.get(bookmark_id)
        if found is None or (not vulnerable and found["owner"] != me):
            raise HTTPException(404, "not found")
        return found

    @app.get("/bookmarks")
    def mine(me: User) -> dict[str, Any]:
        return {"bookmarks": [m for m in marks.values() if m["owner"] == me]}

    @app.post("/bookmarks", status_code=201)
    def add(body: BookmarkIn, me: User) -> dict[str, Any]:
        found = {"bookmark_id": next(ids), "owner": me, "url": str(body.url), "title": body.title}
        marks[found["bookmark_id"]] = found
        return found

    @app.put("/bookmarks/{bookmark_id}")
    def replace(bookmark_id: int, body: BookmarkIn, me: User) -> dict[str, Any]:
        found = mark(bookmark_id, me)
        found.update(url=str(body.url), title=body.title)
        return found

    @app.delete("/bookmarks/{bookmark_id}", status_code=204)
    def remove(bookmark_id: int, me: User) -> Response:
        mark(bookmark_id, me)
        del marks[bookmark_id]
        return Response(status_code=204)

    return app


def identities(url: str) -> list[Identity]:
    return static(TOKENS)
