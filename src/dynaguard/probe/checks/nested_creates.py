"""Foreign nested creates: others create children under the owner's parent. Under a parent the
attacker may read, a child is normal; under a private parent it is a finding."""

from __future__ import annotations

from dynaguard.probe.engine.context import ProbeContext
from dynaguard.probe.engine.identities import Identity
from dynaguard.probe.engine.oracle import consumers, no_target
from dynaguard.probe.engine.relations import flatten, moved
from dynaguard.probe.engine.transport import Exchange
from dynaguard.probe.spec.graph import Resource, fill, harvest_ids
from dynaguard.probe.spec.operations import Operation, singular


def run(ctx: ProbeContext) -> None:
    """Others create children under the owner's parent (`POST /projects/{id}/tasks`). Under a
    parent the attacker may read (someone's public post), a child is normal: it is a finding only
    when the parent's own fields change. Under a private parent, the owner's read of the
    collection (or of the parent) showing the attacker's child is one. Public catalogue parents
    nobody owns were exercised by the creates already made."""
    ctx.phase("foreign nested creates")
    for operation in consumers(ctx, "POST"):
        targets = ctx.targets(operation, public=True)
        if not targets:
            no_target(ctx, operation, "write")
        for resource, values in targets:
            if resource.collection != _parent_collection(operation):
                continue  # a sibling or a record that merely names the parent
            if resource.owner == "anonymous":
                if ctx.create_status.get(operation.key, 0) // 100 == 2:
                    ctx.coverage.tested(operation, "write")
                continue
            owner = ctx.identity(resource.owner)
            witness = _children_read(ctx, operation)
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
                if parent is None and resource.canary in ctx.public_canaries:
                    _public_parent(ctx, operation, owner, exchange)
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


def _public_parent(
    ctx: ProbeContext, operation: Operation, owner: Identity, exchange: Exchange
) -> None:
    """No item read of the parent, but the anonymous caller was shown it: a child under a public
    parent is normal (its own fields cannot be re-read here)."""
    if exchange.ok:
        ctx.per_caller.setdefault(
            operation.key,
            f"a child under {owner.name}'s parent, which the anonymous caller may read",
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


def _children_read(ctx: ProbeContext, operation: Operation) -> Operation | None:
    for op in ctx.operations:
        if op.method == "GET" and op.path == operation.path:
            return op
    parent = operation.path.rsplit("/", 1)[0]
    return next((op for op in ctx.operations if op.method == "GET" and op.path == parent), None)
