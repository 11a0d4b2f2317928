"""Are the identities really logged in? Checked before the run (a rejected token is a usage error,
not a clean report) and after every phase (a probe that locked itself out must say so)."""

from __future__ import annotations

from dynaguard.probe.engine.context import ProbeContext
from dynaguard.probe.engine.identities import Identity
from dynaguard.probe.engine.transport import Exchange
from dynaguard.probe.errors import ProbeError
from dynaguard.probe.spec.operations import Operation

ME_WORDS = (
    "me", "whoami", "self", "current", "profile", "account", "user", "session", "dashboard",
    "userinfo", "current-user", "current_user", "myself", "my-account", "my_account",
)  # fmt: skip
_MAX_ROUTES = 4
Check = tuple[Operation, dict[str, str], int]


class LostAccess(Exception):
    """An identity that was accepted before is now refused; the run stops and reports."""


class Damaged(LostAccess):
    """The probe's own write made an identity answer differently (a 5xx, any 4xx): the run stops,
    exit 3, naming the request."""


def is_me_like(operation: Operation) -> bool:
    segments = [part.lower() for part in operation.static_segments]
    return bool(segments) and segments[-1] in ME_WORDS


def _candidates(ctx: ProbeContext) -> list[Operation]:
    routes = [
        op
        for op in ctx.operations
        if op.method == "GET" and not op.path_params and not op.is_health_or_docs
    ]
    routes.sort(key=lambda op: (not is_me_like(op), op.declared_public, len(op.path)))
    return routes


def _guarded(ctx: ProbeContext, anonymous: Identity) -> list[Check]:
    """Routes that refuse anonymous callers: id-less GETs first; else item GETs with a dummy id
    (auth is usually checked before the lookup, so 401 for anonymous vs 404 for a good token)."""
    found: list[Check] = []
    for operation in _candidates(ctx):
        status = ctx.call(anonymous, operation, scan=False).status
        if status in (401, 403):
            found.append((operation, {}, status))
        if len(found) >= _MAX_ROUTES:
            return found
    if found:
        return found
    for operation in ctx.operations:
        if operation.method != "GET" or not operation.path_params:
            continue
        values = {name: "1" for name in operation.path_params}
        status = ctx.call(anonymous, operation, values, scan=False).status
        if status in (401, 403):
            found.append((operation, values, status))
        if len(found) >= 2:
            break
    return found


def check_identities(ctx: ProbeContext) -> None:
    """Every identity must get past one route that refuses anonymous callers."""
    guarded = _guarded(ctx, ctx.anonymous)
    if not guarded:
        ctx.notes.append(
            "no GET route refuses anonymous callers, so the identities' tokens were not verified"
        )
        return
    for identity in ctx.named:
        answers = []
        for operation, values, refused in guarded:
            status = ctx.call(identity, operation, values, scan=False).status
            answers.append(f"{operation.key} answered {status}")
            if status not in (401, refused):
                ctx.checks[identity.name] = (operation, values, refused)
                ctx.health[identity.name] = status
                break
        else:
            raise ProbeError(
                f"identity {identity.name} is not accepted by the target ({answers[0]}, as for an "
                "anonymous caller): check its token"
            )


ACCOUNT_WORDS = frozenset({"user", "users", "account", "accounts", "me", "profile", "settings",
                           "preferences", "member", "members"})  # fmt: skip


def guard(ctx: ProbeContext, identity: Identity, operation: Operation, exchange: Exchange) -> None:
    """Right after a write to the caller's own account-like state (an id-less write such as
    `PUT /preferences`, or a route under `/users`), its check route must answer as before;
    otherwise the run stops naming exactly this request."""
    if not exchange.ok or identity.name not in ctx.checks or identity.name in ctx.lost:
        return
    words = {part.lower() for part in operation.static_segments}
    if operation.path_params and not words & ACCOUNT_WORDS:
        return
    check, values, refused = ctx.checks[identity.name]
    good = ctx.health.get(identity.name, 200)
    status = ctx.call(identity, check, values, scan=False).status
    if (status // 100 == 2) if good // 100 == 2 else status not in (401, refused):
        return
    raise Damaged(
        f"the probe's {operation.key} ({exchange.method} {exchange.path} as {identity.name}, "
        f"answered {exchange.status}) made {identity.name}'s requests fail: {check.key} "
        f"answered {status} ({good} before); the run stopped there. This is the probe's doing, "
        "not a finding about the target"
    )


def recheck(ctx: ProbeContext, phase: str, since: int = 0) -> None:
    """Call each identity's check route again: it must answer as before. A different answer
    stops the run and names the probe's write that most likely caused it."""
    for identity in ctx.named:
        check = ctx.checks.get(identity.name)
        if check is None or identity.name in ctx.lost:
            continue
        operation, values, refused = check
        good = ctx.health.get(identity.name, 200)
        status = ctx.call(identity, operation, values, scan=False).status
        if (status // 100 == 2) if good // 100 == 2 else status not in (401, refused):
            continue
        culprit = culprit_of(ctx, identity, since)
        if culprit is None:
            raise LostAccess(
                f"identity {identity.name} lost access after {phase} ({operation.key} answered "
                f"{status}, {good} before); the run stopped there"
            )
        key, exchange = culprit
        raise Damaged(
            f"the probe's {key} ({exchange.method} {exchange.path} as {exchange.identity}, "
            f"answered {exchange.status}) made {identity.name}'s requests fail: {operation.key} "
            f"answered {status} ({good} before); the run stopped after {phase}. This is the "
            "probe's doing, not a finding about the target"
        )


def culprit_of(ctx: ProbeContext, identity: Identity, since: int) -> tuple[str, Exchange] | None:
    """The write since the last check most likely to have hurt `identity`: the last accepted
    write before its own first failing request, else the last one naming it in the path, else
    its own last write, else the last one."""
    writes = ctx.sent_writes[since:]
    if not writes:
        return None
    for index, (_, exchange) in enumerate(writes):
        failed = exchange.status == 401 or exchange.status >= 500
        if exchange.identity == identity.name and failed:
            accepted = [w for w in writes[:index] if w[1].ok]
            if accepted:
                return accepted[-1]
            break
    names = {identity.name} | {v for values in identity.attributes.values() for v in values}
    own = [w for w in writes if w[1].identity == identity.name]
    named = [w for w in writes if any(f"/{name}" in w[1].path for name in names)]
    return (named or own or writes)[-1]
