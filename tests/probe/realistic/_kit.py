"""What the realistic apps share: their users, a login helper for the test, a hand-written OpenAPI
builder for the Flask apps (as flasgger or apispec users write them), and a request counter."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from dynaguard.probe.engine.identities import Identity, build_identities

PEOPLE = {"alice": "alice-pw-1", "bob": "bob-pw-2", "dave": "dave-pw-3"}


def new_token() -> str:
    return secrets.token_urlsafe(16)


def login(
    url: str,
    path: str = "/login",
    field: str = "token",
    envelope: str | None = None,
    prefix: str = "",
) -> list[Identity]:
    """Log each person in through the app's own route and return the probe identities."""
    tokens = []
    for name, password in PEOPLE.items():
        credentials: dict[str, Any] = {"username": name, "password": password}
        body = {envelope: credentials} if envelope else credentials
        answer = httpx.post(url + path, json=body, timeout=10)
        answer.raise_for_status()
        data = answer.json()
        for holder in (data, data.get("data") or {}, data.get("user") or {}):
            if field in holder:
                tokens.append(f"{name}={prefix}{holder[field]}")
                break
    return build_identities(tokens, [], [], [])


def static(tokens: dict[str, str]) -> list[Identity]:
    return build_identities([f"{name}={token}" for name, token in tokens.items()], [], [], [])


def can_log_in(url: str, path: str = "/login", envelope: str | None = None) -> bool:
    for name, password in PEOPLE.items():
        credentials: dict[str, Any] = {"username": name, "password": password}
        body = {envelope: credentials} if envelope else credentials
        if httpx.post(url + path, json=body, timeout=10).status_code != 200:
            return False
    return True


def spec(title: str, paths: dict[str, Any], scheme: dict[str, Any] | None) -> dict[str, Any]:
    """A hand-written OpenAPI 3.0 document; `scheme` None means no security is declared at all."""
    document: dict[str, Any] = {"openapi": "3.0.3", "info": {"title": title, "version": "1"}}
    document["paths"] = paths
    if scheme is not None:
        document["components"] = {"securitySchemes": {"auth": scheme}}
    return document


def op(
    summary: str,
    *,
    secured: bool = True,
    body: dict[str, Any] | None = None,
    params: list[dict[str, Any]] | None = None,
    media: str = "application/json",
) -> dict[str, Any]:
    found: dict[str, Any] = {"summary": summary, "responses": {"200": {"description": "ok"}}}
    if secured:
        found["security"] = [{"auth": []}]
    if body is not None:
        found["requestBody"] = {"content": {media: {"schema": body}}}
    if params:
        found["parameters"] = params
    return found


def path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def obj(required: list[str], **props: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": props}


STR: dict[str, Any] = {"type": "string"}
