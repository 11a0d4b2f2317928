"""Object-level attacks: every other identity reads, updates and deletes each owner's objects,
and the verdict comes from the owner's re-read (state), not from the attacker's status code.
With no item GET, the owner's list or parent read is the witness."""

from __future__ import annotations

from dynaguard.probe.context import ProbeContext
from dynaguard.probe.graph import (
    Resource,
    alternatives,
    fill,
    harvest_ids,
    own_id,
    records_with,
)
from dynaguard.probe.identities import Identity
from dynaguard.probe.operations import Operation, singular
from dynaguard.probe.setup import create, harvest_answer
from dynaguard.probe.transport import Exchange

_GONE = (404, 410)
_INVALID = (400, 422)
_PRECONDITION = (412, 428)
_PROFILES = frozenset({"user", "profile", "member", "author", "person", "people", "u"})


def _consumers(ctx: ProbeContext, method: str | tuple[str, ...]) -> list[Operation]:
    methods = (method,) if isinstance(method, str) else method
    return [op for op in ctx.operations if op.method in methods and op.path_params]


def _no_target(ctx: ProbeContext, operation: Operation, check: str) -> None:
    """Say why: no id at all, or the create that should have made one was refused."""
    names = ", ".join(operation.path_params)
    refused = [
        f"{key} had no parent object" if status == 0 else f"{key} answered {status}"
        for key, status in ctx.create_status.items()
        if status // 100 != 2 and _collection_of(key) == operation.collection
    ]
    why = f" (create failed: {'; '.join(refused)})" if refused else ""
    ctx.coverage.skip(operation, check, f"no id found for {names}{why}")


def _collection_of(key: str) -> str:
    method, path = key.split(" ", 1)
    return Operation(method, path, None, ()).collection


def reads(ctx: ProbeContext) -> None:
    """Owner reads first (the baseline); others read the same ids. Canaries prove leaks; without
    a canary, an identical non-empty body does (unless anonymous gets it too: public)."""
    ctx.phase("foreign reads")
    for operation in _consumers(ctx, "GET"):
        targets = ctx.targets(operation, public=True)
        if not targets:
            _no_target(ctx, operation, "read")
        for resource, values in targets:
            owner = ctx.identity(resource.owner)
            baseline = ctx.call(owner, operation, values)
            for other in alternatives(operation, resource, values):
                if baseline.ok or baseline.status not in (400, 404, 422):
                    break
                values = other
                baseline = ctx.call(owner, operation, values)
            if not baseline.ok:
                ctx.coverage.skip(
                    operation, "read", f"the owner's own read answered {baseline.status}"
                )
                continue
            harvest_answer(ctx, owner, operation, baseline.data, baseline.full_text)
            ctx.coverage.tested(operation, "read")
            for attacker in ctx.others(owner.name):
                exchange = ctx.call(attacker, operation, values)
                same_body = exchange.ok and baseline.data and exchange.data == baseline.data
                if (
                    same_body
                    and not ctx.canaries.owners_in(baseline.full_text)
                    and not ctx.may_see_others(attacker, operation, owner.name)
                    and not _anonymous_same(ctx, operation, values, baseline)
                    and not _public_profile(operation, owner, baseline)
                ):
                    ctx.report(
                        "bola-read",
                        operation,
                        attacker.name,
                        owner.name,
                        f"{attacker.name} got the same body as {owner.name} from "
                        f"{operation.method} {exchange.path}",
                        [baseline, exchange],
                    )


def _public_profile(operation: Operation, owner: Identity, baseline: Exchange) -> bool:
    """A user profile every member may see (`/profiles/{username}`) is no proof of BOLA by an
    equal body alone; it counts only if it shows the owner's email (private by default)."""
    if operation.collection not in _PROFILES:
        return False
    emails = owner.attributes.get("email", set())
    return not any(email in baseline.full_text for email in emails)


def _anonymous_same(
    ctx: ProbeContext, operation: Operation, values: dict[str, str], baseline: Exchange
) -> bool:
    if not operation.declared_public:
        return False
    if operation.key in ctx.public:
        return True
    anonymous = ctx.call(ctx.anonymous, operation, values, scan=False)
    if anonymous.ok and anonymous.data == baseline.data:
        ctx.public[operation.key] = "no security requirement, and anonymous gets the same body"
        return True
    return False


def _witness(
    ctx: ProbeContext, operation: Operation, resource: Resource
) -> tuple[Operation, dict[str, str]] | None:
    """The owner's item GET, else the list or parent read the object appears in."""
    reader = ctx.reader_for(operation)
    if reader is not None:
        values = fill(reader, resource)
        if values is not None:
            return reader, values
    witness = ctx.witness_for(operation)
    if witness is not None:
        values = fill(witness, resource) if witness.path_params else {}
        if values is not None:
            return witness, values
    return None


def nested_creates(ctx: ProbeContext) -> None:
    """Others create children under the owner's parent (`POST /projects/{id}/tasks`); the owner's
    read of that collection (or of the parent) shows whether it worked. Under a public parent
    (a catalogue product), creating is by design: the creates already made exercised it."""
    ctx.phase("foreign nested creates")
    for operation in _consumers(ctx, "POST"):
        targets = ctx.targets(operation, public=True)
        if not targets:
            _no_target(ctx, operation, "write")
        for resource, values in targets:
            if resource.collection != _parent_collection(operation):
                continue  # a sibling or a record that merely names the parent
            if resource.owner == "anonymous":
                if ctx.create_status.get(operation.key, 0) // 100 == 2:
                    ctx.coverage.tested(operation, "write")
                continue
            owner = ctx.identity(resource.owner)
            witness = _children_witness(ctx, operation)
            for attacker in [i for i in ctx.named if i.name != owner.name][:2]:
                if ctx.may_see_others(attacker, operation, owner.name):
                    continue
                canary = ctx.canaries.new(attacker.name)
                body = ctx.body_for(operation, attacker, canary)
                exchange = ctx.call(attacker, operation, values, body=body, canary=canary)
                ctx.coverage.tested(operation, "write")
                if exchange.ok:
                    made = Resource(attacker.name, operation, canary, harvest_ids(exchange.data))
                    made.path_values = dict(values)
                    ctx.resources.append(made)
                if witness is None:
                    continue
                ctx.canaries.owners[canary] = owner.name
                check = ctx.call(owner, witness, fill(witness, resource) or values)
                if canary in check.full_text:
                    ctx.report(
                        "bola-write",
                        operation,
                        attacker.name,
                        owner.name,
                        f"{attacker.name} created an object under {owner.name}'s "
                        f"{operation.path} (status {exchange.status}); {owner.name} now reads "
                        f"{canary} via {witness.key}",
                        [exchange, check],
                    )


def _parent_collection(operation: Operation) -> str:
    """`/products/{product_id}/reviews` hangs under a `product`."""
    before = operation.path.rsplit("{", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return singular(before)


def _children_witness(ctx: ProbeContext, operation: Operation) -> Operation | None:
    for op in ctx.operations:
        if op.method == "GET" and op.path == operation.path:
            return op
    parent = operation.path.rsplit("/", 1)[0]
    return next((op for op in ctx.operations if op.method == "GET" and op.path == parent), None)


def _write(
    ctx: ProbeContext,
    operation: Operation,
    attacker: Identity,
    values: dict[str, str],
    canary: str,
    owner: Identity | None = None,
) -> Exchange:
    """Required fields (and plain text) first; every field only if that body was refused. A
    service that demands `If-Match` (428/412) gets the owner's current ETag, so the answer is
    about authorization, not about concurrency control."""
    exchange = None
    headers: dict[str, str] | None = None
    for full in (False, True, True):
        body = ctx.body_for(operation, attacker, canary, full=full)
        exchange = ctx.call(attacker, operation, values, body=body, canary=canary, headers=headers)
        if exchange.status in _PRECONDITION and headers is None and owner is not None:
            headers = _etag(ctx, operation, owner, values)
            if headers:
                continue
        if exchange.status not in _INVALID or operation.body_schema is None:
            break
    assert exchange is not None
    return exchange


def _etag(
    ctx: ProbeContext, operation: Operation, owner: Identity, values: dict[str, str]
) -> dict[str, str] | None:
    reader = ctx.reader_for(operation)
    if reader is None:
        return None
    answer = ctx.call(owner, reader, values, scan=False)
    tag = answer.response_headers.get("etag")
    return {"If-Match": tag} if answer.ok and tag else None


def writes(ctx: ProbeContext) -> None:
    """Others PATCH/PUT the owner's objects with their own canary; the owner re-reads."""
    ctx.phase("foreign updates")
    for operation in _consumers(ctx, ("PATCH", "PUT")):
        targets = ctx.targets(operation)
        if not targets:
            _no_target(ctx, operation, "write")
        for resource, values in targets:
            owner = ctx.identity(resource.owner)
            witness = _witness(ctx, operation, resource)
            for attacker in ctx.others(owner.name):
                if ctx.may_see_others(attacker, operation, owner.name):
                    continue
                canary = ctx.canaries.new(attacker.name)
                exchange = _write(ctx, operation, attacker, values, canary, owner)
                ctx.canaries.owners[canary] = owner.name
                if exchange.status in _INVALID + _PRECONDITION:
                    reason = f"the write answered {exchange.status} (request not accepted)"
                    ctx.coverage.skip(operation, "write", reason)
                    continue
                ctx.coverage.tested(operation, "write")
                if witness is None:
                    if exchange.ok:
                        ctx.report(
                            "unenforced-2xx",
                            operation,
                            attacker.name,
                            owner.name,
                            f"{exchange.status} to {attacker.name}; no GET route to verify",
                            [exchange],
                        )
                    continue
                reader, read_values = witness
                check = ctx.call(owner, reader, read_values)
                if canary in check.full_text:
                    ctx.changed.append(
                        f"{ctx.transport.target}{ctx.transport.base_path}{exchange.path}: "
                        f"{owner.name}'s object now holds {attacker.name}'s canary {canary}"
                    )
                    ctx.report(
                        "bola-write",
                        operation,
                        attacker.name,
                        owner.name,
                        f"{attacker.name}'s {operation.method} (status {exchange.status}) changed "
                        f"{owner.name}'s object: the owner now reads {canary} via {reader.key}",
                        [exchange, check],
                    )
                elif exchange.ok:
                    ctx.report(
                        "unenforced-2xx",
                        operation,
                        attacker.name,
                        owner.name,
                        f"{exchange.status} to {attacker.name}, but {owner.name}'s object is "
                        "unchanged",
                        [exchange, check],
                    )


def _present(ctx: ProbeContext, exchange: Exchange, resource: Resource, item: bool) -> bool:
    """Is the object still there? An item read answers 2xx; a list still names it (by its
    canary, or by a record carrying its id: a foreign update may have replaced the canary)."""
    if item:
        return exchange.status not in _GONE
    if not exchange.ok:
        return True
    if resource.canary and resource.canary in exchange.full_text:
        return True
    ident = own_id(resource)
    return ident is not None and any(
        ident in harvest_ids(record).values() for record in records_with(exchange.data, "")
    )


def deletes(ctx: ProbeContext) -> None:
    """Others DELETE the owner's objects; the owner re-reads. Only with --destructive."""
    if not ctx.destructive:
        for operation in _consumers(ctx, "DELETE"):
            ctx.coverage.skip(operation, "delete", "needs --destructive")
        if _consumers(ctx, "DELETE"):
            ctx.notes.append("foreign DELETE checks skipped: pass --destructive to run them")
        return
    ctx.phase("foreign deletes")
    for operation in _consumers(ctx, "DELETE"):
        owners = {resource.owner: resource for resource, _ in ctx.targets(operation)}
        if not owners:
            _no_target(ctx, operation, "delete")
        for owner_name, first in owners.items():
            owner = ctx.identity(owner_name)
            for attacker in ctx.others(owner_name):
                target = _live_target(ctx, operation, owner_name, first)
                if target is None:
                    break
                resource, values = target
                witness = _witness(ctx, operation, resource)
                if witness is None:
                    ctx.coverage.skip(operation, "delete", "no GET, list or parent read to confirm")
                    break
                reader, read_values = witness
                item = reader.path == operation.path or reader.path_params == operation.path_params
                before = ctx.call(owner, reader, read_values, scan=False)
                if not _present(ctx, before, resource, item):
                    ctx.coverage.skip(
                        operation, "delete", f"the object is not visible in {reader.key}"
                    )
                    break
                exchange = ctx.call(attacker, operation, values)
                check = ctx.call(owner, reader, read_values)
                ctx.coverage.tested(operation, "delete")
                if not _present(ctx, check, resource, item):
                    resource.alive = False
                    if not ctx.may_see_others(attacker, operation, owner_name):
                        ctx.report(
                            "bola-delete",
                            operation,
                            attacker.name,
                            owner_name,
                            f"{attacker.name}'s DELETE (status {exchange.status}) removed "
                            f"{owner_name}'s object: the owner's {reader.key} no longer shows it",
                            [exchange, check],
                        )
                elif exchange.ok and not ctx.may_see_others(attacker, operation, owner_name):
                    ctx.report(
                        "unenforced-2xx",
                        operation,
                        attacker.name,
                        owner_name,
                        f"DELETE answered {exchange.status} to {attacker.name}, but "
                        f"{owner_name} still reads the object",
                        [exchange, check],
                    )


def _live_target(
    ctx: ProbeContext, operation: Operation, owner: str, first: Resource
) -> tuple[Resource, dict[str, str]] | None:
    """A live object of `owner` for this route, re-created if an earlier attack deleted it."""
    for resource, values in ctx.targets(operation):
        if resource.owner == owner:
            return resource, values
    if not first.probe_created:
        return None
    fresh = create(ctx, ctx.identity(owner), first.origin, first.path_values or None)
    if fresh is None:
        return None
    filled = fill(operation, fresh)
    return (fresh, filled) if filled is not None else None
