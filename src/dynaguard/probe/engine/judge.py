"""How every answer is judged, whatever route produced it: someone else's secrets (the
sensitive-data oracle), an anonymous write that went through, and another identity's canaries,
unless the anonymous replay shows the data is public by behaviour, a privileged identity may see
it, or a policy grants it. `ProbeContext.call` runs `scan` on every answer it is asked to scan."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dynaguard.probe.engine.canary import CANARY
from dynaguard.probe.engine.fields import fields
from dynaguard.probe.engine.identities import Identity
from dynaguard.probe.engine.policy import PUBLIC
from dynaguard.probe.engine.relations import is_relation_route
from dynaguard.probe.engine.sensitive import secrets_in
from dynaguard.probe.engine.transport import Exchange
from dynaguard.probe.findings import STATUS_ONLY
from dynaguard.probe.spec.graph import EMAIL_KEYS, OWNER_KEYS, USERNAME_KEYS
from dynaguard.probe.spec.operations import Operation

if TYPE_CHECKING:
    from dynaguard.probe.engine.context import ProbeContext

_PERSON_KEYS = USERNAME_KEYS | EMAIL_KEYS | OWNER_KEYS
_KIND_OF = {
    **dict.fromkeys(OWNER_KEYS, "user"),
    **dict.fromkeys(EMAIL_KEYS, "email"),
    **dict.fromkeys(USERNAME_KEYS, "username"),
}


def public_reason(operation: Operation) -> str:
    said = "no security requirement" if operation.declared_public else "optional or declared auth"
    return f"{said}, and an anonymous caller gets the same data"


def is_public(
    ctx: ProbeContext, operation: Operation, owners: set[str], replay: Callable[[], Exchange]
) -> bool:
    """Public by behaviour: the anonymous caller gets the same canaries, whatever the document
    declares (optional authentication reads as a requirement). A policy rule overrides.
    Remembered per operation and reported as info, not as a finding."""
    if operation.key in ctx.public:
        return True
    access = ctx.policy.access(operation)
    if access.source == "policy" and access.level != PUBLIC:
        return False
    if operation.method != "GET":
        return False
    anonymous = replay()
    seen = ctx.canaries.owners_in(anonymous.full_text)
    if anonymous.ok and owners <= set(seen):
        ctx.public[operation.key] = public_reason(operation)
        ctx.public_canaries.update(c for found in seen.values() for c in found)
        for canary, keys in canary_fields(anonymous.data).items():
            ctx.public_fields.setdefault(canary, set()).update(keys)
        return True
    return False


def canary_fields(data: Any) -> dict[str, set[str]]:
    """Canary → the names of the fields that show it (`{"title": "dgc..."}` → `{"title"}`; a
    string in an array counts for the array's field)."""
    found: dict[str, set[str]] = {}
    for key, value in [("", data), *((key, value) for _, key, value in fields(data))]:
        for text in _texts(value):
            for canary in CANARY.findall(text):
                found.setdefault(canary, set()).add(key)
    return found


def _texts(value: Any) -> list[str]:
    """The strings a field shows itself: its own, or those of its arrays (objects inside are
    fields of their own)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [text for entry in value for text in _texts(entry)]
    return []


def published(ctx: ProbeContext, found: set[str], exchange: Exchange) -> bool:
    """Whether the anonymous caller was already shown every canary of `found` as fully as this
    answer shows it. A title a public list shows does not make the secret posted with it public:
    an answer showing a canary in more fields than the anonymous caller saw it in, one of them
    new, leaks the rest (a differently named copy of the same fields, such as a feed's `text`
    for a post's `body`, is still the public data)."""
    if not found <= ctx.public_canaries:
        return False
    shown = canary_fields(exchange.data)
    for canary in found:
        seen = ctx.public_fields.get(canary)
        here = shown.get(canary, set())
        if seen is not None and not here <= seen and len(here) > len(seen):
            return False
    return True


def parent_public(ctx: ProbeContext, operation: Operation) -> bool:
    """`POST /posts/{id}/like` answers with the post: public if `GET /posts/{id}` is."""
    if not is_relation_route(operation):
        return False
    head = operation.path.rstrip("/").rsplit("/", 1)[0]
    return f"GET {head}" in ctx.public


def owners_of(ctx: ProbeContext, record: dict[str, Any]) -> set[str]:
    """Named identities a record belongs to: by canary, or by its user/owner/name fields."""
    found = set(ctx.canaries.owners_in(str(record)))
    for identity in ctx.named:
        for key, value in record.items():
            kind = _KIND_OF.get(key)
            if kind is None or not isinstance(value, (str, int)) or isinstance(value, bool):
                continue
            if str(value) in identity.attributes.get(kind, ()):
                found.add(identity.name)
    return found


def scan_secrets(
    ctx: ProbeContext, identity: Identity, operation: Operation, exchange: Exchange
) -> None:
    """Someone else's secret in any answer is a finding, on public routes too: a record is
    the caller's own only when it names the caller and no one else."""
    if not exchange.ok:
        return
    found = secrets_in(exchange.data)
    people = {id(s.record) for s in found if any(key in _PERSON_KEYS for key in s.record)}
    for secret in found:
        holders = owners_of(ctx, secret.record)
        if holders == {identity.name} and not identity.anonymous:
            continue
        others = sorted(holders - {identity.name})
        if not others and not identity.anonymous and len(people) < 2:
            continue  # nothing says whose it is, and it is no list of people: the caller's
        victim = others[0] if others else None
        whose = f"{victim}'s" if victim else "another user's"
        ctx.report(
            "sensitive-data",
            operation,
            identity.name,
            victim,
            f"{identity.name} received {whose} {secret.what} (field `{secret.field}`) from "
            f"{operation.method} {exchange.path} (status {exchange.status})",
            [exchange],
        )


def scan(
    ctx: ProbeContext,
    identity: Identity,
    operation: Operation,
    exchange: Exchange,
    kind: str | None,
    replay: Callable[[], Exchange],
) -> None:
    scan_secrets(ctx, identity, operation, exchange)
    access = ctx.policy.access(operation)
    by_policy = access.source == "policy" and access.level != PUBLIC
    needs_auth = by_policy or (
        access.level != PUBLIC and not operation.declared_public and operation.method != "GET"
    )
    if identity.anonymous and exchange.ok and needs_auth and operation.key not in ctx.public:
        ctx.report(
            "unauthenticated",
            operation,
            identity.name,
            None,
            f"anonymous {operation.method} {exchange.path} answered {exchange.status}; "
            "nothing shows what it did",
            [exchange],
            proof=STATUS_ONLY,
        )
    found_by_owner = {
        owner: found
        for owner, found in ctx.canaries.owners_in(exchange.full_text).items()
        if owner not in (identity.name, "anonymous")
    }
    for owner, found in found_by_owner.items():
        if ctx.may_see_others(identity, operation, owner):
            continue
        if operation.method != "GET" and (
            found <= ctx.public_canaries or parent_public(ctx, operation)
        ):
            continue  # an object anyone may read, shown again (a like answers with the post)
        if identity.anonymous and is_public(ctx, operation, {owner}, lambda: exchange):
            continue
        if is_public(ctx, operation, set(found_by_owner), replay):
            return
        if published(ctx, found, exchange):
            continue  # objects the anonymous caller was shown elsewhere (a feed of follows)
        chosen = kind or ("bola-read" if operation.is_object_route else "data-leak")
        ctx.report(
            chosen,
            operation,
            identity.name,
            owner,
            f"{identity.name} received {owner}'s canary {sorted(found)[0]} from "
            f"{operation.method} {exchange.path} (status {exchange.status})",
            [exchange],
        )
