"""Function-level checks learned by behaviour, with no policy file: on shared objects nobody in
the run created (catalogue entries the document lists publicly, seeded records), every update or
delete the privileged identity (`--role NAME=ROLE`) succeeds on is the privileged surface; each
ordinary identity then tries it (success, seen in the re-read, is BFLA), and so does the anonymous
caller, whose update or delete of a shared object is `unauthenticated` even on a route the document
declares public (an anonymous create of a new record, such as a guest submission, is not)."""

from __future__ import annotations

from dynaguard.probe.engine.context import ProbeContext, privileged
from dynaguard.probe.engine.identities import Identity
from dynaguard.probe.engine.numbers import distinct_numbers, moved_to
from dynaguard.probe.engine.oracle import consumers, witness_of
from dynaguard.probe.engine.transport import Exchange
from dynaguard.probe.spec.graph import Resource, fill
from dynaguard.probe.spec.operations import Operation

_CHECK = "function"
_GONE = (404, 410)


def _shared(ctx: ProbeContext, operation: Operation) -> list[tuple[Resource, dict[str, str]]]:
    """Live objects nobody in the run owns that fill the operation's path, never one the path
    names by a run identity's own user id, username or e-mail: a seeded account in a public
    list may be the `--role` identity's own, and deleting it locks that identity out."""
    mine = {
        value
        for identity in ctx.named
        for kind in ("user", "username", "email")
        for value in identity.attributes.get(kind, ())
    }
    found: list[tuple[Resource, dict[str, str]]] = []
    for resource in ctx.resources:
        if resource.alive and resource.owner == "anonymous":
            values = fill(operation, resource)
            if values is None or values in [v for _, v in found] or set(values.values()) & mine:
                continue
            found.append((resource, values))
    return found


def run(ctx: ProbeContext) -> None:
    ctx.phase("privileged surface")
    chiefs = [identity for identity in ctx.named if privileged(identity)]
    ordinary = [identity for identity in ctx.named if not privileged(identity)]
    for operation in consumers(ctx, ("PATCH", "PUT", "DELETE")):
        if ctx.policy.access(operation).level == "roles" or operation.is_health_or_docs:
            continue  # a policy rule is checked by the policy's own function-level check
        targets = _shared(ctx, operation)
        if not targets:
            continue
        if not ctx.destructive:
            ctx.coverage.skip(operation, _CHECK, "needs --destructive")
            continue
        if operation.method == "DELETE":
            _deletes(ctx, operation, targets, chiefs[:1], ordinary)
        else:
            _updates(ctx, operation, targets[0], chiefs[:1], ordinary)


def _updates(
    ctx: ProbeContext,
    operation: Operation,
    target: tuple[Resource, dict[str, str]],
    chiefs: list[Identity],
    ordinary: list[Identity],
) -> None:
    resource, values = target
    witness = witness_of(ctx, operation, resource)
    if witness is None:
        ctx.coverage.skip(operation, _CHECK, "no read shows the shared object")
        return
    reader = chiefs[0] if chiefs else ctx.anonymous
    if chiefs and _changed(ctx, chiefs[0], operation, values, witness, reader) is None:
        return  # not a privileged surface: the privileged identity cannot change it either
    attackers = [*(ordinary if chiefs else []), ctx.anonymous]
    for attacker in attackers:
        proof = _changed(ctx, attacker, operation, values, witness, reader)
        ctx.coverage.tested(operation, _CHECK)
        if proof is None:
            continue
        exchange, check, what = proof
        _report(ctx, operation, attacker, chiefs, [exchange, check], f"changed it: {what}")


def _changed(
    ctx: ProbeContext,
    caller: Identity,
    operation: Operation,
    values: dict[str, str],
    witness: tuple[Operation, dict[str, str]],
    reader: Identity,
) -> tuple[Exchange, Exchange, str] | None:
    """The caller's write, and the re-read showing its canary or its numbers; None if unseen."""
    before = ctx.call(reader, witness[0], witness[1], scan=False)
    if not before.ok:
        return None
    canary = ctx.canaries.new(caller.name)
    ctx.public_canaries.add(canary)  # a shared object: anyone may read what it holds
    body = ctx.body_for(operation, caller, canary, full=True)
    numbers = distinct_numbers(ctx, operation, body, before.data)
    exchange = ctx.call(caller, operation, values, body=body, canary=canary)
    if not exchange.ok:
        return None
    check = ctx.call(reader, witness[0], witness[1], scan=False)
    if canary in check.full_text:
        return exchange, check, f"the re-read holds {caller.name}'s canary {canary}"
    moved = moved_to(numbers, check.data)
    return (exchange, check, f"the re-read shows {moved}") if moved else None


def _deletes(
    ctx: ProbeContext,
    operation: Operation,
    targets: list[tuple[Resource, dict[str, str]]],
    chiefs: list[Identity],
    ordinary: list[Identity],
) -> None:
    """One object per caller: the privileged identity's delete (the surface), then each ordinary
    identity's and the anonymous caller's, each judged by the object's read answering 404."""
    callers = [*chiefs, *(ordinary if chiefs else []), ctx.anonymous]
    for caller, (resource, values) in zip(callers, targets, strict=False):
        witness = witness_of(ctx, operation, resource)
        if witness is None or not witness[0].path_params:
            ctx.coverage.skip(operation, _CHECK, "no item read shows the shared object")
            return
        reader = chiefs[0] if chiefs else ctx.anonymous
        if not ctx.call(reader, witness[0], witness[1], scan=False).ok:
            continue
        exchange = ctx.call(caller, operation, values)
        check = ctx.call(reader, witness[0], witness[1], scan=False)
        gone = exchange.ok and check.status in _GONE
        if gone:
            resource.alive = False
        if caller in chiefs:
            if not gone:
                return  # not a privileged surface
            continue
        ctx.coverage.tested(operation, _CHECK)
        if gone:
            _report(ctx, operation, caller, chiefs, [exchange, check], "deleted it")


def _report(
    ctx: ProbeContext,
    operation: Operation,
    attacker: Identity,
    chiefs: list[Identity],
    evidence: list[Exchange],
    what: str,
) -> None:
    first = evidence[0]
    if attacker.anonymous:
        kind, who = "unauthenticated", "anonymous"
    else:
        kind, who = (
            "bfla",
            f"{attacker.name} (roles: {', '.join(sorted(attacker.roles)) or 'none'})",
        )
    surface = (
        f"; only {chiefs[0].name} ({', '.join(sorted(chiefs[0].roles))}) should" if chiefs else ""
    )
    ctx.changed.append(f"{ctx.transport.target}{ctx.transport.base_path}{first.path}: {who} {what}")
    ctx.report(
        kind,
        operation,
        attacker.name,
        None,
        f"{who}'s {operation.method} {first.path} (status {first.status}) on a shared object "
        f"{what}{surface}",
        evidence,
    )
