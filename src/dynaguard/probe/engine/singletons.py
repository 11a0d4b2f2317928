"""Snapshot and restore of an identity's singleton resources (`PUT /profiles/me`, `PUT /account`):
a probe that overwrites a real profile with canaries must put it back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dynaguard.probe.engine.context import ProbeContext
from dynaguard.probe.engine.identities import Identity
from dynaguard.probe.spec.operations import Operation

CREDENTIAL_FIELDS = frozenset({"password", "passwd", "new_password", "current_password", "secret"})


@dataclass
class Snapshots:
    """What each identity's singleton looked like before the probe wrote to it."""

    taken: dict[tuple[str, str], Any] = field(default_factory=dict)
    absent: dict[tuple[str, str], str] = field(default_factory=dict)


def writes_credentials(operation: Operation) -> bool:
    """An update whose body carries a password would change how the identity logs in."""
    props = (operation.body_schema or {}).get("properties") or {}
    return any(str(name).lower() in CREDENTIAL_FIELDS for name in props)


def reader(
    ctx: ProbeContext, operation: Operation, identity: Identity
) -> tuple[Operation, dict[str, str]] | None:
    """The GET of the same path, else for `/profiles/me` the `/profiles/{id}` of the caller."""
    for op in ctx.operations:
        if op.method == "GET" and op.path == operation.path:
            return op, {}
    head, _, last = operation.path.rstrip("/").rpartition("/")
    user = identity.first("user")
    if last.lower() not in ("me", "self", "current") or user is None:
        return None
    for op in ctx.operations:
        if (
            op.method == "GET"
            and len(op.path_params) == 1
            and op.path == f"{head}/{{{op.path_params[0]}}}"
        ):
            return op, {op.path_params[0]: user}
    return None


def take(ctx: ProbeContext, snapshots: Snapshots, identity: Identity, operation: Operation) -> None:
    """Read the singleton once before its first write by this identity."""
    key = (identity.name, operation.key)
    if key in snapshots.taken:
        return
    found = reader(ctx, operation, identity)
    if found is None:
        snapshots.taken[key] = None
        return
    read, values = found
    exchange = ctx.call(identity, read, values, scan=False)
    if exchange.status in (404, 410):
        snapshots.absent[key] = ctx.transport.target + ctx.transport.base_path + exchange.path
    snapshots.taken[key] = exchange.data if exchange.ok else None


def _unwrap(data: Any, schema: dict[str, Any]) -> Any:
    """Restore bodies follow the write schema: keep only its properties, in its envelope."""
    props = schema.get("properties") or {}
    if not isinstance(data, dict) or not props:
        return data
    if len(props) == 1:
        (name,) = props
        inner = data.get(name, data)
        return {name: _unwrap(inner, schema["properties"][name])}
    return {
        key: value for key, value in data.items() if key in props and key not in CREDENTIAL_FIELDS
    }


def restore(ctx: ProbeContext, snapshots: Snapshots) -> None:
    """PUT every snapshot back; what cannot be restored is listed for the person."""
    for (name, key), data in snapshots.taken.items():
        operation = next(op for op in ctx.operations if op.key == key)
        if (name, key) in snapshots.absent:
            ctx.changed.append(
                f"{snapshots.absent[(name, key)]}: did not exist before; {name}'s {key} created it"
            )
            continue
        if data is None:
            ctx.changed.append(f"{key} as {name}: changed, and no GET to snapshot it first")
            continue
        body = _unwrap(data, ctx.document.deref(operation.body_schema or {}))
        exchange = ctx.call(ctx.identity(name), operation, body=body, scan=False)
        if not exchange.ok:
            ctx.changed.append(
                f"{key} as {name}: restore answered {exchange.status}; "
                f"{ctx.transport.base_path}{operation.path} still holds probe values"
            )
