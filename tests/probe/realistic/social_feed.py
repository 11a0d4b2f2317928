"""FastAPI social feed with optional authentication, the usual way to write "public read, richer
when logged in": `HTTPBearer(auto_error=False)`, so the document declares a bearer requirement on
public reads too. Posts are public; anyone signed in may comment on a post, like it and follow its
author (per-caller actions that move only counters and `liked`/`following`). Login issues a JWT,
and `GET /users/me` hands out a fresh one on every call (a target that issues tokens).

Vulnerable: a forgotten debug route lists every user with their password hash. The fixed twin
keeps the route but serves only public profile fields."""

import base64
import hashlib
import itertools
import json
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from dynaguard.probe.engine.identities import Identity

from ._kit import PEOPLE, can_log_in, login

EXPECTED = {("sensitive-data", "GET /debug/users")}


class Credentials(BaseModel):
    username: str
    password: str


class PostIn(BaseModel):
    title: str
    body: str


class CommentIn(BaseModel):
    body: str


def _jwt(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


def create_app(vulnerable: bool) -> FastAPI:
    app = FastAPI(title="social feed")
    app.state.issued = []
    users = {
        name: {
            "id": index,
            "username": name,
            "email": f"{name}@feed.test",
            "bio": f"{name} writes here",
            "password_hash": "$2b$12$" + hashlib.sha256(password.encode()).hexdigest()[:53],
        }
        for index, (name, password) in enumerate(PEOPLE.items(), start=1)
    }
    sessions: dict[str, str] = {}
    posts: dict[int, dict[str, Any]] = {}
    comments: dict[int, dict[str, Any]] = {}
    likes: set[tuple[int, str]] = set()
    follows: set[tuple[str, str]] = set()
    ids = itertools.count(1)
    serial = itertools.count(1)
    bearer = HTTPBearer(auto_error=False)

    def issue(name: str) -> str:
        token = _jwt({"sub": name, "n": next(serial)})
        sessions[token] = name
        app.state.issued.append(token)
        return token

    def viewer(
        creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> str | None:
        if creds is None:
            return None
        if creds.credentials not in sessions:
            raise HTTPException(401, "invalid token")
        return sessions[creds.credentials]

    def signed_in(me: Annotated[str | None, Depends(viewer)]) -> str:
        if me is None:
            raise HTTPException(401, "not authenticated")
        return me

    Viewer = Annotated[str | None, Depends(viewer)]
    User = Annotated[str, Depends(signed_in)]

    def shown(post: dict[str, Any], me: str | None) -> dict[str, Any]:
        count = sum(1 for post_id, _ in likes if post_id == post["id"])
        return {**post, "likes_count": count, "liked": (post["id"], me or "") in likes}

    def post_or_404(post_id: int) -> dict[str, Any]:
        if post_id not in posts:
            raise HTTPException(404, "post not found")
        return posts[post_id]

    @app.post("/login")
    def sign_in(body: Credentials) -> dict[str, str]:
        user = users.get(body.username)
        if user is None or PEOPLE.get(body.username) != body.password:
            raise HTTPException(401, "bad credentials")
        return {"access_token": issue(body.username), "token_type": "bearer"}

    @app.get("/users/me")
    def me(name: User) -> dict[str, Any]:
        user = users[name]
        public = {k: v for k, v in user.items() if k != "password_hash"}
        return {**public, "token": issue(name)}

    @app.get("/profiles/{username}")
    def profile(username: str, me: Viewer) -> dict[str, Any]:
        if username not in users:
            raise HTTPException(404, "no such user")
        user = users[username]
        followers = sum(1 for _, followed in follows if followed == username)
        return {
            "username": username,
            "bio": user["bio"],
            "followers_count": followers,
            "following": (me or "", username) in follows,
        }

    @app.post("/profiles/{username}/follow")
    def follow(username: str, me: User) -> dict[str, Any]:
        if username not in users or username == me:
            raise HTTPException(404 if username not in users else 400, "cannot follow")
        follows.add((me, username))
        return profile(username, me)

    @app.delete("/profiles/{username}/follow")
    def unfollow(username: str, me: User) -> dict[str, Any]:
        if username not in users:
            raise HTTPException(404, "no such user")
        follows.discard((me, username))
        return profile(username, me)

    @app.get("/posts")
    def feed(me: Viewer) -> list[dict[str, Any]]:
        return [shown(post, me) for post in posts.values()]

    @app.post("/posts", status_code=201)
    def write(body: PostIn, me: User) -> dict[str, Any]:
        post = {"id": next(ids), "author": me, **body.model_dump()}
        posts[post["id"]] = post
        return shown(post, me)

    @app.get("/posts/{post_id}")
    def read(post_id: int, me: Viewer) -> dict[str, Any]:
        return shown(post_or_404(post_id), me)

    @app.put("/posts/{post_id}")
    def edit(post_id: int, body: PostIn, me: User) -> dict[str, Any]:
        post = post_or_404(post_id)
        if post["author"] != me:
            raise HTTPException(403, "not your post")
        post.update(body.model_dump())
        return shown(post, me)

    @app.delete("/posts/{post_id}", status_code=204)
    def remove(post_id: int, me: User) -> None:
        post = post_or_404(post_id)
        if post["author"] != me:
            raise HTTPException(403, "not your post")
        del posts[post_id]

    @app.post("/posts/{post_id}/like")
    def like(post_id: int, me: User) -> dict[str, Any]:
        likes.add((post_or_404(post_id)["id"], me))
        return shown(posts[post_id], me)

    @app.delete("/posts/{post_id}/like")
    def unlike(post_id: int, me: User) -> dict[str, Any]:
        likes.discard((post_or_404(post_id)["id"], me))
        return shown(posts[post_id], me)

    @app.get("/posts/{post_id}/comments")
    def thread(post_id: int, me: Viewer) -> list[dict[str, Any]]:
        post_or_404(post_id)
        return [c for c in comments.values() if c["post_id"] == post_id]

    @app.post("/posts/{post_id}/comments", status_code=201)
    def comment(post_id: int, body: CommentIn, me: User) -> dict[str, Any]:
        post_or_404(post_id)
        found = {"id": next(ids), "post_id": post_id, "author": me, "body": body.body}
        comments[found["id"]] = found
        return found

    @app.delete("/comments/{comment_id}", status_code=204)
    def uncomment(comment_id: int, me: User) -> None:
        found = comments.get(comment_id)
        if found is None or found["author"] != me:
            raise HTTPException(404, "comment not found")
        del comments[comment_id]

    @app.get("/debug/users")
    def debug_users() -> list[dict[str, Any]]:
        if vulnerable:
            return list(users.values())
        return [{"username": u["username"], "bio": u["bio"]} for u in users.values()]

    return app


def identities(url: str) -> list[Identity]:
    return login(url, "/login", "access_token")


def still_logs_in(url: str) -> bool:
    return can_log_in(url, "/login")
