"""Throwaway accounts the probe registers itself through the document's sign-up route, and logging
in through its login route: the victims of credential and identity-field attacks (the run's own
identities are never their target), and the way a changed password is judged (can the victim log
in with the attacker's password?)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from dynaguard.probe.engine.context import ProbeContext
from dynaguard.probe.engine.identities import Identity
from dynaguard.probe.spec.bodies import BodyContext, generate
from dynaguard.probe.spec.graph import harvest_ids, remember_self
from dynaguard.probe.spec.operations import Operation
from dynaguard.probe.spec.safety import is_login

_SIGNUP = re.compile(r"^(signup|sign-up|sign_up|register|registration|users|accounts|join)$", re.I)
_PASSWORD = re.compile(r"^(password|passwd|pass|pwd)$", re.I)
_COLLECTIONS = frozenset({"users", "accounts"})
_TOKEN = re.compile(r"^(access_?token|token|jwt|id_?token|auth_?token|accesstoken)$", re.I)


@dataclass
class Account:
    """A registered throwaway: its credentials, its login (if any) and the ids it was given."""

    username: str
    email: str
    password: str
    identity: Identity | None = None
    ids: dict[str, str] = field(default_factory=dict)
    created: Any = None


IDENTITY_ONLY = frozenset(
    {"username", "user_name", "login", "email", "email_address", "role", "roles", "is_admin",
     "isadmin", "admin", "is_staff", "is_superuser"}
)  # fmt: skip


def identity_only(operation: Operation) -> bool:
    """An update whose fields are identity fields (and privilege flags) only: no canary fits
    without renaming an account, so it is tested against a registered victim."""
    fields = {name.lower() for name in operation.body_fields}
    return bool(fields) and fields <= IDENTITY_ONLY and bool(fields & {"username", "email"})


def signup_routes(ctx: ProbeContext) -> list[Operation]:
    """`POST /register` (or `/signup`, `/users`...) without path parameters, taking a password
    and a username or e-mail; the routes named for signing up come before `/users`-like ones
    (which may be an administrator's user creation)."""
    found = []
    for operation in ctx.operations:
        fields = {name.lower() for name in operation.body_fields}
        if (
            operation.method == "POST"
            and not operation.path_params
            and not is_login(operation)
            and any(_SIGNUP.match(part) for part in operation.static_segments[-1:])
            and any(_PASSWORD.match(name) for name in fields)
            and fields & {"username", "email", "user_name", "login"}
        ):
            found.append(operation)
    return sorted(found, key=lambda op: op.static_segments[-1].lower() in _COLLECTIONS)


def signup_route(ctx: ProbeContext) -> Operation | None:
    routes = signup_routes(ctx)
    return routes[0] if routes else None


def login_route(ctx: ProbeContext) -> Operation | None:
    """The declared login route taking a password."""
    for operation in ctx.operations:
        fields = {name.lower() for name in operation.body_fields}
        if operation.method == "POST" and is_login(operation) and fields & {"password"}:
            return operation
    return None


def _credentials(operation: Operation, account: Account, password: str) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name in operation.body_fields:
        lowered = name.lower()
        if _PASSWORD.match(lowered):
            body[name] = password
        elif lowered in ("username", "user_name", "login"):
            body[name] = account.username
        elif "email" in lowered:
            body[name] = account.email
    return body


def _envelope(operation: Operation, ctx: ProbeContext, inner: dict[str, Any]) -> dict[str, Any]:
    """`{"user": {...}}` when the document wraps the fields in a one-key envelope."""
    schema = ctx.document.deref(operation.body_schema)
    props = schema.get("properties") if isinstance(schema, dict) else None
    if isinstance(props, dict) and len(props) == 1 and next(iter(props)) not in inner:
        return {next(iter(props)): inner}
    return inner


def register(
    ctx: ProbeContext, extra: dict[str, Any] | None = None, route: Operation | None = None
) -> Account | None:
    """Sign a throwaway account up anonymously (required fields generated; `extra` added, as
    mass assignment does) through the first sign-up route that accepts it, then log it in. None
    without a sign-up route or if every one refused. `route` names the one to use."""
    for candidate in [route] if route is not None else signup_routes(ctx):
        account = _sign_up(ctx, candidate, extra)
        if account is not None:
            return account
    return None


def _sign_up(ctx: ProbeContext, route: Operation, extra: dict[str, Any] | None) -> Account | None:
    tag = "dgv" + secrets.token_hex(5)[:9]
    account = Account(tag, f"{tag}@example.test", f"Dg-{tag}-Pw1!")
    own = {"username": account.username, "email": account.email, "password": account.password}
    context = BodyContext(ctx.document, tag, own, False)
    generated = generate(route.body_schema, context)
    body = generated if isinstance(generated, dict) else {}
    inner = next(iter(body.values())) if len(body) == 1 and isinstance(body, dict) else body
    target = inner if isinstance(inner, dict) else body
    target.update(_credentials(route, account, account.password))
    target.update(extra or {})
    answer = ctx.call(ctx.anonymous, route, body=body, scan=False)
    if not answer.ok:
        return None
    account.created = answer.data
    account.ids = harvest_ids(answer.data)
    account.identity = log_in(ctx, account, account.password)
    if account.identity is not None:
        for kind, value in remember_self(answer.data, me_route=True).items():
            account.identity.remember(kind, value)
    return account


def log_in(ctx: ProbeContext, account: Account, password: str) -> Identity | None:
    """The account's identity if the login route accepts `password`, else None."""
    route = login_route(ctx)
    if route is None:
        return None
    body = _envelope(route, ctx, _credentials(route, account, password))
    answer = ctx.call(ctx.anonymous, route, body=body, scan=False)
    token = _token(answer.data) if answer.ok else None
    if token is None:
        return None
    identity = Identity(account.username, token, scheme=ctx.named[0].scheme)
    identity.remember("username", account.username)
    identity.remember("email", account.email)
    identity.learn_from_claims()
    return identity


def _token(data: Any, depth: int = 0) -> str | None:
    if not isinstance(data, dict) or depth > 3:
        return None
    for key, value in data.items():
        if _TOKEN.match(str(key)) and isinstance(value, str) and value:
            return value
    for value in data.values():
        found = _token(value, depth + 1)
        if found is not None:
            return found
    return None
