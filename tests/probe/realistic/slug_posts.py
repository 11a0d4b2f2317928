"""Flask blog whose hand-written OpenAPI declares no security at all; a create is an HTML-style
form post that answers only `{"message": ...}`, and posts are addressed by a slug of their
title. Vulnerable: any logged-in user reads anyone's draft at `GET /posts/{slug}`."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, abort, jsonify, request

from dynaguard.probe.engine.identities import Identity

from ._kit import STR, obj, op, path_param, spec, static

EXPECTED = {("bola-read", "GET /posts/{slug}")}
FORM = "application/x-www-form-urlencoded"
TOKENS = {"alice": "blog-alice", "bob": "blog-bob", "dave": "blog-dave"}


def create_app(vulnerable: bool) -> Flask:
    app = Flask("slug_posts")
    posts: dict[str, dict[str, Any]] = {}
    by_token = {token: name for name, token in TOKENS.items()}

    def caller() -> str:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in by_token:
            abort(401)
        return by_token[token]

    @app.get("/openapi.json")
    def openapi() -> Any:
        new = obj(["title", "body"], title=STR, body=STR)
        paths = {
            "/posts": {
                "get": op("published posts", secured=False),
                "post": op("draft", secured=False, body=new, media=FORM),
            },
            "/posts/{slug}": {"get": op("read a post", secured=False, params=[path_param("slug")])},
        }
        return jsonify(spec("blog", paths, None))

    @app.get("/posts")
    def published() -> Any:
        caller()
        return jsonify([p for p in posts.values() if p["published"]])

    @app.post("/posts")
    def draft() -> Any:
        me = caller()
        body = request.form
        title = str(body.get("title", ""))
        slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
        if not slug or slug in posts:
            return jsonify({"message": "bad or duplicate title"}), 400
        posts[slug] = {"slug": slug, "title": title, "body": str(body.get("body", "")),
                       "author": me, "published": False}  # fmt: skip
        return jsonify({"message": "Post created"}), 201

    @app.get("/posts/<slug>")
    def read(slug: str) -> Any:
        me = caller()
        post = posts.get(slug)
        if post is None or (not vulnerable and post["author"] != me and not post["published"]):
            abort(404)
        return jsonify(post)

    return app


def identities(url: str) -> list[Identity]:
    return static(TOKENS)
