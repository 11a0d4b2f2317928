"""Mass assignment: every write (POST, PUT, PATCH, id-less ones included) is sent twice, plainly
and with extra privileged fields inside the request's envelope and in the query string. A field
the answer (or the caller's `/me`) reflects only after the second call is a finding."""

from __future__ import annotations

from typing import Any

from dynaguard.probe.engine.context import ProbeContext, privileged
from dynaguard.probe.engine.identities import Identity
from dynaguard.probe.engine.registration import Account, register, signup_routes
from dynaguard.probe.engine.session import is_me_like
from dynaguard.probe.engine.setup import listings
from dynaguard.probe.engine.singletons import Snapshots, take, writes_credentials
from dynaguard.probe.engine.transport import Exchange
from dynaguard.probe.spec.bodies import PRIVILEGED
from dynaguard.probe.spec.graph import (
    EMAIL_KEYS,
    OWNER_KEYS,
    TENANT_KEYS,
    USERNAME_KEYS,
    Resource,
    harvest_ids,
)
from dynaguard.probe.spec.operations import Operation
from dynaguard.probe.spec.safety import is_login

FIELDS = (
    "admin", "is_admin", "isAdmin", "role", "roles", "owner", "owner_id", "user_id", "org_id",
    "tenant_id", "verified", "is_verified",
)  # fmt: skip
_ADMIN_KEYS = frozenset({"admin", "is_admin", "isAdmin", "is_superuser", "superuser", "is_staff"})
_VERIFIED_KEYS = frozenset({"verified", "is_verified", "isVerified", "email_verified"})


def _takes_object(operation: Operation) -> bool:
    schema = operation.body_schema or {}
    return schema.get("type") == "object" or "properties" in schema or "allOf" in schema


def _victim(ctx: ProbeContext, attacker: Identity) -> Identity | None:
    """Prefer a victim in another tenant (the worst case), else any other named identity."""
    others = [identity for identity in ctx.named if identity.name != attacker.name]
    others.sort(key=lambda other: not ctx.cross_tenant(attacker.name, other.name))
    return others[0] if others else None


def _extras(victim: Identity) -> dict[str, Any]:
    user = victim.first("user") or victim.name
    tenant = victim.first("tenant") or victim.tenant
    extras: dict[str, Any] = {key: user for key in OWNER_KEYS if key != "sub"}
    if tenant is not None:
        extras.update({key: tenant for key in TENANT_KEYS})
    extras.update({"role": "admin", "roles": ["admin"], "verified": True, "is_verified": True})
    extras.update({key: True for key in ("admin", "is_admin", "isAdmin")})
    return extras


def _enum_safe(ctx: ProbeContext, operation: Operation, extras: dict[str, Any]) -> dict[str, Any]:
    """A declared `role` gets a privileged value the spec's enum or the identities' data names;
    never an invented one (a role the service cannot parse has broken accounts)."""
    props = _properties(ctx, operation)
    for key in ("role", "roles"):
        schema = props.get(key)
        if schema is None:
            continue  # undeclared: the attack is whether the field is honoured at all
        allowed = _enum_of(ctx, schema) or sorted(ctx.enum_values.get("role", ()))
        words = ctx.privilege_words()
        chosen = next((v for v in allowed if PRIVILEGED.search(str(v)) or v in words), None)
        if chosen is None:
            extras.pop(key, None)
        else:
            extras[key] = [chosen] if key == "roles" else chosen
    return extras


def _properties(ctx: ProbeContext, operation: Operation) -> dict[str, Any]:
    schema = ctx.document.deref(operation.body_schema or {})
    props = schema.get("properties") if isinstance(schema, dict) else None
    if isinstance(props, dict) and len(props) == 1:
        inner = ctx.document.deref(next(iter(props.values())))
        if isinstance(inner, dict) and isinstance(inner.get("properties"), dict):
            return dict(inner["properties"])
    return dict(props) if isinstance(props, dict) else {}


def _enum_of(ctx: ProbeContext, schema: Any) -> list[Any]:
    schema = ctx.document.deref(schema)
    if not isinstance(schema, dict):
        return []
    if isinstance(schema.get("enum"), list):
        return list(schema["enum"])
    for key in ("items", "allOf", "anyOf", "oneOf"):
        inner = schema.get(key)
        for part in inner if isinstance(inner, list) else [inner] if inner else []:
            found = _enum_of(ctx, part)
            if found:
                return found
    return []


def _query(victim: Identity) -> dict[str, str]:
    extras = _extras(victim)
    return {
        key: ("true" if value is True else "admin" if key == "roles" else str(value))
        for key, value in extras.items()
        if key in FIELDS
    }


def _inject(body: Any, extras: dict[str, Any]) -> Any:
    """Extras go next to the real fields: inside a one-key envelope (`{"user": {...}}`)."""
    if not isinstance(body, dict):
        return body
    if len(body) == 1 and isinstance(next(iter(body.values())), dict):
        key = next(iter(body))
        return {key: _inject(body[key], extras)}
    return {**body, **extras}


def markers(
    data: Any,
    attacker: Identity,
    victim: Identity,
    depth: int = 0,
    words: frozenset[str] = frozenset(),
) -> set[str]:
    """Privilege or ownership the answer shows: admin flags, a privileged role (by name, or one
    of `words`: the privileged identities' own roles), verified, victim ids."""
    found: set[str] = set()
    if isinstance(data, list):
        return found
    if not isinstance(data, dict) or depth > 4:
        return found
    user = victim.first("user") or victim.name
    mine = attacker.attributes.get("user", set()) | {attacker.name}
    tenant = victim.first("tenant") or victim.tenant
    own_tenant = attacker.attributes.get("tenant", set()) | {attacker.tenant or ""}
    for key, value in data.items():
        if isinstance(value, dict):
            found |= markers(value, attacker, victim, depth + 1, words)
        elif (key in _ADMIN_KEYS and value is True) or (key in _VERIFIED_KEYS and value is True):
            found.add(f"{key}=true")
        elif key in ("role", "roles") and any(
            isinstance(v, str) and (PRIVILEGED.search(v) or v in words)
            for v in (value if isinstance(value, list) else [value])
        ):
            found.add(f"{key}={value}")
        elif key in OWNER_KEYS and str(value) == user and user not in mine:
            found.add(f"{key}={user}")
        elif (
            key in TENANT_KEYS
            and tenant is not None
            and str(value) == tenant
            and tenant not in own_tenant
        ):
            found.add(f"{key}={tenant}")
    return found


def _me(ctx: ProbeContext, identity: Identity) -> Any:
    routes = [op for op in listings(ctx) if is_me_like(op)]
    return [ctx.call(identity, op, scan=False).data for op in routes[:2]]


def _me_markers(ctx: ProbeContext, attacker: Identity, victim: Identity) -> set[str]:
    found: set[str] = set()
    for data in _me(ctx, attacker):
        found |= markers(data, attacker, victim, words=ctx.privilege_words())
    return found


def writes(ctx: ProbeContext) -> list[tuple[Operation, dict[str, str] | None]]:
    """Every write with an object body; object routes get one of the caller's own ids."""
    found: list[tuple[Operation, dict[str, str] | None]] = []
    for operation in ctx.operations:
        if operation.method not in ("POST", "PUT", "PATCH") or is_login(operation):
            continue
        if not _takes_object(operation) and not operation.query_params:
            continue
        found.append((operation, None))
    return found


def run(ctx: ProbeContext, snapshots: Snapshots) -> None:
    """Runs last (before cleanup): the objects it makes would confuse the other checks."""
    ctx.phase("mass assignment")
    for operation, _ in writes(ctx):
        if writes_credentials(operation) and operation.method != "POST":
            ctx.coverage.skip(operation, "mass", "its body carries credentials")
            continue
        attackers = [i for i in ctx.named if not privileged(i)]
        for attacker in attackers[:1]:
            victim = _victim(ctx, attacker)
            if victim is None or not ctx.policy.access(operation).may_call(attacker):
                continue
            values = _own_values(ctx, operation, attacker)
            if values is None:
                ctx.coverage.skip(operation, "mass", "no id of the caller's own to write to")
                continue
            _try(ctx, snapshots, operation, attacker, victim, values)


def _own_values(
    ctx: ProbeContext, operation: Operation, attacker: Identity
) -> dict[str, str] | None:
    if not operation.path_params:
        return {}
    for resource, values in ctx.targets(operation):
        if resource.owner == attacker.name:
            return values
    return None


def _try(
    ctx: ProbeContext,
    snapshots: Snapshots,
    operation: Operation,
    attacker: Identity,
    victim: Identity,
    values: dict[str, str],
) -> None:
    if operation.method != "POST" and not operation.path_params:
        take(ctx, snapshots, attacker, operation)
    before_me = _me_markers(ctx, attacker, victim)
    plain_canary = ctx.canaries.new(attacker.name)
    full = False
    plain_body = ctx.body_for(operation, attacker, plain_canary)
    plain = ctx.call(attacker, operation, values, body=plain_body, canary=plain_canary, scan=False)
    if plain.status in (400, 422) and operation.body_schema is not None:
        full = True  # the required-only body was refused: both calls send every field
        plain_body = ctx.body_for(operation, attacker, plain_canary, full=True)
        plain = ctx.call(
            attacker, operation, values, body=plain_body, canary=plain_canary, scan=False
        )
    _track(ctx, operation, attacker, plain_canary, plain.data, plain.ok)
    canary = ctx.canaries.new(attacker.name)
    extras = _enum_safe(ctx, operation, _extras(victim))
    body = _inject(ctx.body_for(operation, attacker, canary, full=full), extras)
    exchange = ctx.call(
        attacker, operation, values, body=body, params=_query(victim), canary=canary, scan=False
    )
    _track(ctx, operation, attacker, canary, exchange.data, exchange.ok)
    if not exchange.ok and not plain.ok:
        ctx.coverage.skip(operation, "mass", f"the write answered {exchange.status}")
        return
    ctx.coverage.tested(operation, "mass")
    words = ctx.privilege_words()
    gained = markers(exchange.data, attacker, victim, words=words) - markers(
        plain.data, attacker, victim, words=words
    )
    evidence = [plain, exchange]
    if not gained:
        gained = _me_markers(ctx, attacker, victim) - before_me
    signed_up = not gained and operation in signup_routes(ctx)
    if signed_up:
        gained, evidence = _signed_up(ctx, operation, victim, extras, evidence)
    if gained:
        ctx.report(
            "mass-assignment",
            operation,
            attacker.name,
            victim.name,
            f"{attacker.name}'s {operation.method} with extra fields in the body and query came "
            f"back with {', '.join(sorted(gained))}",
            evidence,
        )
        if not signed_up and any(
            g.split("=")[0] in _ADMIN_KEYS | {"role", "roles"} for g in gained
        ):
            ctx.changed.append(
                f"{attacker.name} may now hold elevated privileges after {operation.key}"
            )


def _signed_up(
    ctx: ProbeContext,
    route: Operation,
    victim: Identity,
    extras: dict[str, Any],
    evidence: list[Exchange],
) -> tuple[set[str], list[Exchange]]:
    """Where the privilege lands: two throwaway accounts sign up, plainly and with the extra
    fields; each logs in with its own credentials and reads its own `/me`, or, where the document
    has no `/me`, its own entry (its username or e-mail) in every list it may read (a members'
    roster with an `admin` column). A privileged account made this way is listed under
    "changed" (it is left behind)."""
    plain, raised = register(ctx, route=route), register(ctx, extra=extras, route=route)
    if plain is None or raised is None or plain.identity is None or raised.identity is None:
        return set(), evidence
    seen = {name: set[str]() for name in ("plain", "raised")}
    answers: dict[str, Exchange] = {}
    me_routes = [op for op in listings(ctx) if is_me_like(op)]
    for name, account in (("plain", plain), ("raised", raised)):
        assert account.identity is not None
        for route in me_routes or listings(ctx):
            answer = ctx.call(account.identity, route, scan=False)
            records = [answer.data] if me_routes else own_records(answer.data, account)
            found = set[str]().union(
                *(
                    markers(r, account.identity, victim, words=ctx.privilege_words())
                    for r in records
                )
            )
            seen[name] |= found
            if found or name not in answers:
                answers[name] = answer
    gained = seen["raised"] - seen["plain"]
    if gained:
        where = f"{ctx.transport.target}{ctx.transport.base_path}"
        read = "its own /me" if me_routes else f"its own entry in {answers['raised'].path}"
        ctx.changed.append(
            f"{where}: the account {raised.username} the probe signed up with extra fields holds "
            f"{', '.join(sorted(gained))} (read from {read}); it was left behind"
        )
    return gained, [*evidence, *list(answers.values())[-1:]]


def own_records(data: Any, account: Account, depth: int = 0) -> list[dict[str, Any]]:
    """The records of a list that name `account` itself by its username or e-mail (a members'
    directory with an `admin` column), where no `/me` route shows the account its own data."""
    if depth > 4:
        return []
    if isinstance(data, list):
        return [r for item in data for r in own_records(item, account, depth + 1)]
    if not isinstance(data, dict):
        return []
    names = {account.username, account.email}
    if any(key in USERNAME_KEYS | EMAIL_KEYS and value in names for key, value in data.items()):
        return [data]
    return [r for value in data.values() for r in own_records(value, account, depth + 1)]


def _track(
    ctx: ProbeContext, operation: Operation, owner: Identity, canary: str, data: Any, ok: bool
) -> None:
    """Objects made here are cleaned up like the others."""
    if ok and operation.method == "POST":
        resource = Resource(owner.name, operation, canary, harvest_ids(data))
        ctx.resources.append(resource)
