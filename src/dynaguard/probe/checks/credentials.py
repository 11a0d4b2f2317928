"""Writes the run's own identities must never suffer, tried against a throwaway account the probe
registers through the sign-up route: another user's password change (judged by logging in as the
victim with the attacker's password), and updates whose only fields are identity fields
(`username`, `email`: the attacker writes `<canary>@example.test`, the victim's own re-read is the
verdict, and the victim writes its old values back). Without a sign-up route both stay untested."""

from __future__ import annotations

import re
from typing import Any

from dynaguard.probe.engine.context import ProbeContext, privileged
from dynaguard.probe.engine.identities import Identity
from dynaguard.probe.engine.registration import (
    Account,
    identity_only,
    log_in,
    register,
    signup_route,
)
from dynaguard.probe.engine.session import is_me_like
from dynaguard.probe.spec.bodies import BodyContext, generate
from dynaguard.probe.spec.graph import remember_self, stem
from dynaguard.probe.spec.operations import Operation

_WRITES = ("PUT", "PATCH", "POST")
_PASSWORD = re.compile(r"passw(or)?d|^pwd$", re.I)
_CURRENT = re.compile(r"old|current|existing|previous", re.I)


def run(ctx: ProbeContext) -> None:
    ctx.phase("registered victims")
    if signup_route(ctx) is None:
        return
    attackers = [identity for identity in ctx.named if not privileged(identity)] or ctx.named
    for operation in ctx.held_back:
        if operation.method in _WRITES and operation.path_params and _takes_password(operation):
            _password_change(ctx, operation, attackers[0])
    for operation in ctx.operations:
        updates = operation.method in ("PUT", "PATCH") and operation.path_params
        if updates and identity_only(operation):
            _identity_update(ctx, operation, attackers[0])


def _takes_password(operation: Operation) -> bool:
    return any(_PASSWORD.search(name) for name in operation.body_fields)


def _victim(ctx: ProbeContext, operation: Operation) -> tuple[Account, dict[str, str]] | None:
    """A freshly registered account that can log in, and the path values naming it."""
    account = register(ctx)
    if account is None or account.identity is None:
        reason = "the throwaway account could not " + ("sign up" if account is None else "log in")
        ctx.coverage.skip(operation, "write", reason)
        return None
    victim = account.identity
    if victim.first("user") is None:
        for me in (op for op in ctx.operations if is_me_like(op) and op.method == "GET"):
            answer = ctx.call(victim, me, scan=False)
            for kind, value in remember_self(answer.data, me_route=True).items():
                victim.remember(kind, value)
    user = account.ids.get("id") or account.ids.get("user_id") or victim.first("user")
    values: dict[str, str] = {}
    for name in operation.path_params:
        named = stem(name)
        if "email" in named:
            values[name] = account.email
        elif named in ("username", "login", "handle", "name"):
            values[name] = account.username
        elif user is not None:
            values[name] = user
        else:
            ctx.coverage.skip(operation, "write", "no id of the throwaway account was learned")
            return None
    return account, values


def _password_change(ctx: ProbeContext, operation: Operation, attacker: Identity) -> None:
    found = _victim(ctx, operation)
    if found is None:
        return
    account, values = found
    canary = ctx.canaries.new(attacker.name)
    new = f"Dg-{canary}-Pw2!"
    body = generate(operation.body_schema, BodyContext(ctx.document, canary, {}, False))
    if isinstance(body, dict):  # a required current password gets a wrong one: never known
        optional = [n for n in operation.body_fields if n not in body and not _CURRENT.search(n)]
        for name in list(body) + optional:
            if _PASSWORD.search(name):
                body[name] = f"Dg-{canary}-Wrong1!" if _CURRENT.search(name) else new
    exchange = ctx.call(attacker, operation, values, body=body, canary=canary)
    ctx.earn(operation, "write", exchange)
    if log_in(ctx, account, new) is None:
        return
    ctx.changed.append(
        f"{ctx.transport.target}{ctx.transport.base_path}{exchange.path}: the throwaway account "
        f"{account.username} (registered by the probe) now logs in with {attacker.name}'s "
        "password; it was left behind"
    )
    ctx.report(
        "bola-write",
        operation,
        attacker.name,
        None,
        f"{attacker.name}'s {operation.method} {exchange.path} (status {exchange.status}) set the "
        f"password of {account.username}, an account the probe registered: logging in as it "
        "with the attacker's password succeeds",
        [exchange],
    )


def _identity_update(ctx: ProbeContext, operation: Operation, attacker: Identity) -> None:
    found = _victim(ctx, operation)
    if found is None:
        return
    account, values = found
    victim = account.identity
    assert victim is not None
    reader = _reader(ctx, operation)
    if reader is None:
        ctx.coverage.skip(operation, "write", "no read shows the throwaway account")
        return
    read_values = values if reader.path_params else {}
    before = ctx.call(victim, reader, read_values, scan=False)
    if not before.ok:
        ctx.coverage.skip(operation, "write", f"the victim's own read answered {before.status}")
        return
    canary = ctx.canaries.new(attacker.name)
    wanted = _identity_values(operation, canary, f"{canary}@example.test")
    exchange = ctx.call(attacker, operation, values, body=wanted, canary=canary)
    ctx.earn(operation, "write", exchange)
    after = ctx.call(victim, reader, read_values, scan=False)
    if canary not in after.full_text:
        return
    ctx.report(
        "bola-write",
        operation,
        attacker.name,
        None,
        f"{attacker.name}'s {operation.method} {exchange.path} (status {exchange.status}) "
        f"rewrote the identity fields of {account.username}, an account the probe registered: "
        f"it now reads {canary} via {reader.key}",
        [exchange, after],
    )
    restore = _identity_values(operation, account.username, account.email)
    undone = ctx.call(victim, operation, values, body=restore, scan=False)
    if not undone.ok:
        ctx.changed.append(
            f"{ctx.transport.target}{ctx.transport.base_path}{exchange.path}: the throwaway "
            f"account {account.username} still holds {canary} (restoring answered "
            f"{undone.status}); it was left behind"
        )


def _identity_values(operation: Operation, username: str, email: str) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name in operation.body_fields:
        if "email" in name.lower():
            body[name] = email
        elif name.lower() in ("username", "user_name", "login"):
            body[name] = username
    return body


def _reader(ctx: ProbeContext, operation: Operation) -> Operation | None:
    """The account's item GET; for a field route (`PUT /users/{name}/email`) the GET of the
    account it hangs under (`GET /users/{name}`); else the victim's `/me`."""
    item = ctx.reader_for(operation)
    if item is not None:
        return item
    parent = next(
        (
            op
            for op in ctx.operations
            if op.method == "GET"
            and op.path_params == operation.path_params
            and operation.path.startswith(op.path.rstrip("/") + "/")
        ),
        None,
    )
    if parent is not None:
        return parent
    return next(
        (op for op in ctx.operations if op.method == "GET" and is_me_like(op)),
        None,
    )
