"""Foreign reads: the owner reads first (the baseline), every other identity and the anonymous
caller read the same ids. Canaries prove leaks; without a canary, an identical non-empty body does
(unless the anonymous caller gets it too: public by behaviour)."""

from __future__ import annotations

from dynaguard.probe.engine.context import ProbeContext
from dynaguard.probe.engine.identities import Identity
from dynaguard.probe.engine.judge import public_reason
from dynaguard.probe.engine.oracle import consumers, no_target
from dynaguard.probe.engine.policy import PUBLIC
from dynaguard.probe.engine.setup import harvest_answer
from dynaguard.probe.engine.transport import Exchange
from dynaguard.probe.spec.graph import alternatives
from dynaguard.probe.spec.operations import Operation

_PROFILES = frozenset({"user", "profile", "member", "author", "person", "people", "u"})


def run(ctx: ProbeContext) -> None:
    """Owner reads first (the baseline); others read the same ids. Canaries prove leaks; without
    a canary, an identical non-empty body does (unless anonymous gets it too: public)."""
    ctx.phase("foreign reads")
    for operation in consumers(ctx, "GET"):
        targets = ctx.targets(operation, public=True)
        if not targets:
            no_target(ctx, operation, "read")
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
