"""Are the identities really logged in? Checked before the run (a rejected token is a usage error,
not a clean report) and after every phase (a probe that locked itself out must say so)."""

from __future__ import annotations

from dynaguard.probe.context import ProbeContext
from dynaguard.probe.errors import ProbeError
from dynaguard.probe.identities import Identity
from dynaguard.probe.operations import Operation

ME_WORDS = ("me", "whoami", "self", "current", "profile", "account", "user", "session")
_MAX_ROUTES = 4


class LostAccess(Exception):
    """An identity that was accepted before is now refused; the run stops and reports."""


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


def check_identities(ctx: ProbeContext) -> None:
    """Find routes that refuse anonymous callers; every identity must get past one of them."""
    anonymous = next(identity for identity in ctx.identities if identity.anonymous)
    guarded: list[tuple[Operation, int]] = []
    for operation in _candidates(ctx):
        status = ctx.call(anonymous, operation, scan=False).status
        if status in (401, 403):
            guarded.append((operation, status))
        if len(guarded) >= _MAX_ROUTES:
            break
    if not guarded:
        ctx.notes.append(
            "no GET route refuses anonymous callers, so the identities' tokens were not verified"
        )
        return
    for identity in ctx.named:
        answers = []
        for operation, refused in guarded:
            status = ctx.call(identity, operation, scan=False).status
            answers.append(f"{operation.key} answered {status}")
            if status not in (401, refused):
                ctx.checks[identity.name] = (operation, refused)
                break
        else:
            raise ProbeError(
                f"identity {identity.name} is not accepted by the target ({answers[0]}, as for an "
                "anonymous caller): check its token"
            )


def recheck(ctx: ProbeContext, phase: str) -> None:
    """Call each identity's check route again; raise LostAccess if one is now refused."""
    for identity in ctx.named:
        check = ctx.checks.get(identity.name)
        if check is None:
            continue
        operation, refused = check
        status = ctx.call(identity, operation, scan=False).status
        if status in (401, refused):
            raise LostAccess(
                f"identity {identity.name} lost access after {phase} ({operation.key} answered "
                f"{status}); the run stopped there"
            )


def identity_of(ctx: ProbeContext, name: str) -> Identity:
    return ctx.identity(name)
