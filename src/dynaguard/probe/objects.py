"""Object-level attacks: every other identity reads, updates and deletes each owner's objects,
and the verdict comes from the owner's re-read (state), not from the attacker's status code.
With no item GET, the owner's list or parent read is the witness."""

from __future__ import annotations

import re

from dynaguard.probe.context import ProbeContext, public_reason
from dynaguard.probe.findings import STATUS_ONLY
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
from dynaguard.probe.policy import PUBLIC
from dynaguard.probe.relations import flatten, is_relation_route, moved, only_counters
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
            for attacker in ctx.others(owner.name):
                exchange = ctx.call(attacker, operation, values)
                ctx.earn(operation, "read", exchange)
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
    if operation.key in ctx.public:
        return True
    access = ctx.policy.access(operation)
    if access.source == "policy" and access.level != PUBLIC:
        return False
    anonymous = ctx.call(ctx.anonymous, operation, values, scan=False)
    if anonymous.ok and anonymous.data == baseline.data:
        ctx.public[operation.key] = public_reason(operation)
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
    for witness in ctx.witness_for(operation):
        values = fill(witness, resource) if witness.path_params else {}
        if values is not None:
            return witness, values
    return None


def nested_creates(ctx: ProbeContext) -> None:
    """Others create children under the owner's parent (`POST /projects/{id}/tasks`). Under a
    parent the attacker may read (someone's public post), a child is normal: it is a finding only
    when the parent's own fields change. Under a private parent, the owner's read of the
    collection (or of the parent) showing the attacker's child is one. Public catalogue parents
    nobody owns were exercised by the creates already made."""
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
            parent = _parent_reader(ctx, operation, resource)
            for attacker in [i for i in ctx.named if i.name != owner.name][:2]:
                if ctx.may_see_others(attacker, operation, owner.name):
                    continue
                before = ctx.call(owner, parent[0], parent[1], scan=False) if parent else None
                readable = (
                    before is not None and before.ok and _reads_same(ctx, attacker, parent, before)
                )
                canary = ctx.canaries.new(attacker.name)
                body = ctx.body_for(operation, attacker, canary)
                exchange = ctx.call(attacker, operation, values, body=body, canary=canary)
                ctx.earn(operation, "write", exchange)
                if exchange.ok:
                    made = Resource(attacker.name, operation, canary, harvest_ids(exchange.data))
                    made.path_values = dict(values)
                    ctx.resources.append(made)
                ctx.canaries.owners[canary] = owner.name
                if readable and parent is not None and before is not None:
                    _judge_parent(ctx, operation, attacker, owner, parent, before, exchange, canary)
                    continue
                if witness is None:
                    continue
                check = ctx.call(owner, witness, fill(witness, resource) or values)
                if canary in check.full_text:
                    ctx.report(
                        "bola-write",
                        operation,
                        attacker.name,
                        owner.name,
                        f"{attacker.name} created an object under {owner.name}'s private "
                        f"{operation.path} (status {exchange.status}); {owner.name} now reads "
                        f"{canary} via {witness.key}",
                        [exchange, check],
                    )


def _parent_reader(
    ctx: ProbeContext, operation: Operation, resource: Resource
) -> tuple[Operation, dict[str, str]] | None:
    """The parent's item GET (`GET /posts/{post_id}` for `POST /posts/{post_id}/comments`)."""
    head = operation.path.rstrip("/").rsplit("/", 1)[0]
    for op in ctx.operations:
        if op.method == "GET" and op.path == head and op.path_params:
            values = fill(op, resource)
            if values is not None:
                return op, values
    return None


def _reads_same(
    ctx: ProbeContext,
    attacker: Identity,
    parent: tuple[Operation, dict[str, str]] | None,
    before: Exchange,
) -> bool:
    """May the attacker read the parent? Its answer carries the same object as the owner's."""
    if parent is None:
        return False
    seen = ctx.call(attacker, parent[0], parent[1], scan=False)
    if not seen.ok:
        return False
    owners = set(ctx.canaries.owners_in(before.full_text))
    return (bool(owners) and owners <= set(ctx.canaries.owners_in(seen.full_text))) or (
        seen.data == before.data and bool(before.data)
    )


def _judge_parent(
    ctx: ProbeContext,
    operation: Operation,
    attacker: Identity,
    owner: Identity,
    parent: tuple[Operation, dict[str, str]],
    before: Exchange,
    exchange: Exchange,
    canary: str,
) -> None:
    """A child under a readable parent: only a change of the parent's own fields is a finding."""
    after = ctx.call(owner, parent[0], parent[1], scan=False)
    changed = {key for key in moved(before.data, after.data) if not key.endswith("#len")}
    own_fields = {key for key in changed if "." not in key or key.count(".") == 1}
    if canary in str({k: v for k, v in flatten(after.data).items() if k in own_fields}):
        ctx.report(
            "bola-write",
            operation,
            attacker.name,
            owner.name,
            f"{attacker.name}'s {operation.method} {exchange.path} (status {exchange.status}) "
            f"changed {owner.name}'s parent object: {parent[0].key} now holds {canary}",
            [exchange, after],
        )
    elif exchange.ok:
        ctx.per_caller.setdefault(
            operation.key,
            f"a child or per-caller action under a parent every caller may read; "
            f"{owner.name}'s {parent[0].key} kept its own fields",
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
    """Others PATCH/PUT the owner's objects with their own canary; the owner re-reads before
    (the object is live) and after (did it change, and how)."""
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
                before = None
                if witness is not None:
                    before = ctx.call(owner, witness[0], witness[1], scan=False)
                    if not before.ok:
                        reason = f"the owner's own read answered {before.status}"
                        ctx.coverage.skip(operation, "write", reason)
                        continue
                canary = ctx.canaries.new(attacker.name)
                exchange = _write(ctx, operation, attacker, values, canary, owner)
                ctx.canaries.owners[canary] = owner.name
                if exchange.status in _INVALID + _PRECONDITION and not refusal(exchange):
                    reason = f"the write answered {exchange.status} (request not accepted)"
                    ctx.coverage.skip(operation, "write", reason)
                    continue
                ctx.earn(operation, "write", exchange)
                if witness is None or before is None:
                    if exchange.ok:
                        _unobserved(ctx, operation, attacker, owner, exchange, None)
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
                    _unobserved(ctx, operation, attacker, owner, exchange, (before, check))


_REFUSAL = re.compile(
    r"permission|not allowed|forbidden|not enough|unauthori[sz]ed|access denied|not the owner|"
    r"not your|privilege",
    re.I,
)


def refusal(exchange: Exchange) -> bool:
    """A 400 that says it is a denial (`{"detail": "Not enough permissions"}`), not bad input."""
    return exchange.status == 400 and bool(_REFUSAL.search(exchange.full_text[:500]))


def _unobserved(
    ctx: ProbeContext,
    operation: Operation,
    attacker: Identity,
    owner: Identity,
    exchange: Exchange,
    reads: tuple[Exchange, Exchange] | None,
) -> None:
    """A 2xx whose effect the owner cannot see: a per-caller action when only counters or
    caller-relative fields moved (or the route acts on the caller's relation), else a
    status-only note."""
    if reads is not None:
        before, after = reads
        relation = is_relation_route(operation)
        if (relation or moved(before.data, after.data)) and only_counters(before.data, after.data):
            ctx.per_caller.setdefault(
                operation.key,
                f"{attacker.name}'s {exchange.status} moved only counters or caller-relative "
                f"fields of {owner.name}'s object",
            )
            return
    ctx.report(
        "unenforced-2xx",
        operation,
        attacker.name,
        owner.name,
        f"{exchange.status} to {attacker.name}, but "
        + (f"{owner.name}'s object is unchanged" if reads else "no GET route to verify"),
        [exchange, *(reads[1:] if reads else ())],
        proof=STATUS_ONLY,
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
    for operation in sorted(_consumers(ctx, "DELETE"), key=_delete_order):
        owners = {resource.owner: resource for resource, _ in ctx.targets(operation)}
        if not owners:
            _no_target(ctx, operation, "delete")
        for owner_name, first in owners.items():
            owner = ctx.identity(owner_name)
            for attacker in ctx.others(owner_name):
                if owner_name in ctx.lost:
                    break
                if attacker.name in ctx.lost:
                    continue
                if ctx.may_see_others(attacker, operation, owner_name):
                    continue
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
                ctx.earn(operation, "delete", exchange)
                if not _present(ctx, check, resource, item):
                    resource.alive = False
                    if is_account(resource):
                        ctx.lost.add(owner_name)
                        ctx.changed.append(
                            f"{ctx.transport.target}{ctx.transport.base_path}{exchange.path}: "
                            f"{owner_name}'s own account was deleted by {attacker.name}'s "
                            f"{operation.key}; {owner_name} took no further part in the run"
                        )
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
                    _unobserved(ctx, operation, attacker, owner, exchange, (before, check))


ACCOUNT_COLLECTIONS = frozenset({"user", "account", "member", "profile", "me"})


def is_account(resource: Resource) -> bool:
    """The identity's own account (learned from `/me`-like routes, not made by the probe)."""
    return not resource.probe_created and resource.collection in ACCOUNT_COLLECTIONS


def _delete_order(operation: Operation) -> tuple[bool, int]:
    """Children before parents; deletes of user accounts last of all."""
    return (operation.collection in ACCOUNT_COLLECTIONS, -len(operation.path_params))


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
