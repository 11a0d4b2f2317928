"""Foreign updates: others PATCH/PUT the owner's objects with their own canary; the owner's re-read
before (the object is live) and after (did it change, and how) is the verdict."""

from __future__ import annotations

import re
from typing import Any

from dynaguard.probe.engine.context import ProbeContext
from dynaguard.probe.engine.identities import Identity
from dynaguard.probe.engine.numbers import distinct_numbers, moved_to
from dynaguard.probe.engine.oracle import consumers, no_target, unobserved, witness_of
from dynaguard.probe.engine.registration import identity_only, signup_route
from dynaguard.probe.engine.transport import Exchange
from dynaguard.probe.spec.operations import Operation

_INVALID = (400, 422)
_PRECONDITION = (412, 428)


def _write(
    ctx: ProbeContext,
    operation: Operation,
    attacker: Identity,
    values: dict[str, str],
    canary: str,
    owner: Identity | None = None,
    before: Any = None,
) -> tuple[Exchange, dict[str, int | float]]:
    """Required fields (and plain text) first; every field only if that body was refused. A
    service that demands `If-Match` (428/412) gets the owner's current ETag, so the answer is
    about authorization, not about concurrency control. Numbers in the body are chosen unlike the
    owner's current ones (`before`), so the re-read can show the attacker's number."""
    exchange = None
    headers: dict[str, str] | None = None
    numbers: dict[str, int | float] = {}
    for full in (False, True, True):
        body = ctx.body_for(operation, attacker, canary, full=full)
        numbers = distinct_numbers(ctx, operation, body, before)
        exchange = ctx.call(attacker, operation, values, body=body, canary=canary, headers=headers)
        if exchange.status in _PRECONDITION and headers is None and owner is not None:
            headers = _etag(ctx, operation, owner, values)
            if headers:
                continue
        if exchange.status not in _INVALID or operation.body_schema is None:
            break
    assert exchange is not None
    if exchange.status in _INVALID:  # the error answer names the fields to fix
        fixed = ctx.repaired(operation, attacker, canary, body, exchange)
        if fixed is not None:
            numbers = distinct_numbers(ctx, operation, fixed, before)
            exchange = ctx.call(
                attacker, operation, values, body=fixed, canary=canary, headers=headers
            )
    return exchange, numbers


def _etag(
    ctx: ProbeContext, operation: Operation, owner: Identity, values: dict[str, str]
) -> dict[str, str] | None:
    reader = ctx.reader_for(operation)
    if reader is None:
        return None
    answer = ctx.call(owner, reader, values, scan=False)
    tag = answer.response_headers.get("etag")
    return {"If-Match": tag} if answer.ok and tag else None


def run(ctx: ProbeContext) -> None:
    """Others PATCH/PUT the owner's objects with their own canary; the owner re-reads before
    (the object is live) and after (did it change, and how)."""
    ctx.phase("foreign updates")
    signup = signup_route(ctx) is not None
    for operation in consumers(ctx, ("PATCH", "PUT")):
        if signup and identity_only(operation):
            continue  # renaming the run's own accounts: tested against a registered victim
        targets = ctx.targets(operation)
        if not targets:
            no_target(ctx, operation, "write")
        for resource, values in targets:
            owner = ctx.identity(resource.owner)
            witness = witness_of(ctx, operation, resource)
            for attacker in ctx.others(owner.name):
                if ctx.may_see_others(attacker, operation, owner.name):
                    continue
                before = None
                if witness is not None:
                    before = ctx.call(owner, witness[0], witness[1], scan=False)
                    if not before.ok:
                        reason = f"the owner's own read answered {before.status}"
                        ctx.coverage.skip(operation, "write", reason)
                        continue
                canary = ctx.canaries.new(attacker.name)
                shown = before.data if before is not None else None
                exchange, numbers = _write(ctx, operation, attacker, values, canary, owner, shown)
                ctx.canaries.owners[canary] = owner.name
                if exchange.status in _INVALID + _PRECONDITION and not refusal(exchange):
                    reason = f"the write answered {exchange.status} (request not accepted)"
                    ctx.coverage.skip(operation, "write", reason)
                    continue
                ctx.earn(operation, "write", exchange)
                if witness is None or before is None:
                    if exchange.ok:
                        unobserved(ctx, operation, attacker, owner, exchange, None)
                    continue
                reader, read_values = witness
                check = ctx.call(owner, reader, read_values)
                planted = (
                    f"canary {canary}"
                    if canary in check.full_text
                    else moved_to(numbers, check.data)
                )
                if planted:
                    ctx.changed.append(
                        f"{ctx.transport.target}{ctx.transport.base_path}{exchange.path}: "
                        f"{owner.name}'s object now holds {attacker.name}'s {planted}"
                    )
                    ctx.report(
                        "bola-write",
                        operation,
                        attacker.name,
                        owner.name,
                        f"{attacker.name}'s {operation.method} (status {exchange.status}) changed "
                        f"{owner.name}'s object: the owner now reads {planted} via {reader.key}",
                        [exchange, check],
                    )
                elif exchange.ok:
                    unobserved(ctx, operation, attacker, owner, exchange, (before, check))


_REFUSAL = re.compile(
    r"permission|not allowed|forbidden|not enough|unauthori[sz]ed|access denied|not the owner|"
    r"not your|privilege",
    re.I,
)


def refusal(exchange: Exchange) -> bool:
    """A 400 that says it is a denial (`{"detail": "Not enough permissions"}`), not bad input."""
    return exchange.status == 400 and bool(_REFUSAL.search(exchange.full_text[:500]))
