"""One probe run, start to finish: load the document, check the identities, run the phases in
order (re-checking the identities after each), always restore and clean up."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from dynaguard import __version__
from dynaguard.probe.checks import (
    bfla,
    credentials,
    cursor_replay,
    deletes,
    mass_assignment,
    nested_creates,
    privileged_surface,
    reads,
    substitution,
    writes,
)
from dynaguard.probe.engine import cleanup, session, setup, singletons
from dynaguard.probe.engine.context import ProbeContext
from dynaguard.probe.engine.identities import Identity, scheme_from
from dynaguard.probe.engine.policy import Policy
from dynaguard.probe.engine.transport import Transport
from dynaguard.probe.errors import BudgetExhausted, ProbeError
from dynaguard.probe.findings import SEVERITY_ORDER, ProbeResult
from dynaguard.probe.spec.document import Document, parse_text, read_file
from dynaguard.probe.spec.extra import extra_operations
from dynaguard.probe.spec.operations import Operation, read_operations
from dynaguard.probe.spec.safety import is_login, unsafe_reason


@dataclass
class ProbeOptions:
    """Everything the command line decides; tests build it directly."""

    target: str
    identities: list[Identity]
    openapi: str | None = None
    policy: Policy = field(default_factory=Policy)
    destructive: bool = False
    max_requests: int = 2000
    rps: float = 0.0
    min_coverage: float = 0.8
    fail_on: str = "medium"
    extra: Path | None = None
    on_phase: Callable[[str], None] | None = None
    on_request: Callable[[int], None] | None = None


WELL_KNOWN = (
    "/openapi.json", "/swagger.json", "/openapi.yaml", "/api/openapi.json", "/v3/api-docs",
    "/apispec_1.json", "/api/swagger.json", "/api/v1/openapi.json", "/swagger/v1/swagger.json",
    "/api-docs", "/docs/openapi.json",
)  # fmt: skip


def _load(transport: Transport, openapi: str | None) -> tuple[Document, str]:
    """The given document, else the first well-known location that serves one."""
    if openapi is not None and "://" not in openapi:
        return read_file(Path(openapi)), openapi
    if openapi is not None:
        response = transport.fetch_url(openapi)
        if response.status_code != 200:
            raise ProbeError(f"cannot load openapi from {openapi}: HTTP {response.status_code}")
        return parse_text(response.text, openapi), "openapi.json"
    for path in WELL_KNOWN:
        url = transport.target + path
        response = transport.fetch_url(url)
        if response.status_code != 200:
            continue
        try:
            return parse_text(response.text, url), path.lstrip("/")
        except ProbeError:
            continue
    raise ProbeError(
        f"cannot find an OpenAPI document on {transport.target} (tried {', '.join(WELL_KNOWN)}); "
        "pass --openapi FILE or URL"
    )


def _secrets(identities: list[Identity]) -> list[str]:
    found = []
    for identity in identities:
        if identity.token:
            found.append(identity.token)
            found.append(identity.token.split(":", 1)[-1].split(" ")[-1].strip())
    return found


def id_taking(operations: list[Operation]) -> set[str]:
    """Operations that name an object: path parameters, or id fields in an id-less body."""
    return {
        op.key
        for op in operations
        if (op.path_params or substitution.fields(op))
        and not op.is_health_or_docs
        and not is_login(op)
    }


def _phases(ctx: ProbeContext, snapshots: singletons.Snapshots) -> None:
    steps: list[tuple[str, Callable[[], None]]] = [
        ("setup", lambda: setup.run(ctx, snapshots)),
        ("foreign reads", lambda: reads.run(ctx)),
        ("cursor replay", lambda: cursor_replay.run(ctx)),
        ("foreign nested creates", lambda: nested_creates.run(ctx)),
        ("foreign updates", lambda: writes.run(ctx)),
        ("identifier substitution", lambda: substitution.run(ctx, snapshots)),
        ("function-level checks", lambda: bfla.run(ctx)),
        ("privileged surface", lambda: privileged_surface.run(ctx)),
        ("registered victims", lambda: credentials.run(ctx)),
        ("mass assignment", lambda: mass_assignment.run(ctx, snapshots)),
        ("foreign deletes", lambda: deletes.run(ctx)),
    ]
    for name, step in steps:
        since = len(ctx.sent_writes)
        try:
            step()
        except (BudgetExhausted, session.LostAccess, ProbeError):
            raise
        except Exception as error:  # an odd answer must not cost the whole report
            reason = str(error).splitlines()[0] if str(error) else ""
            raise PhaseFailed(
                f"the {name} phase stopped on an unexpected answer ({type(error).__name__}"
                f"{': ' + reason if reason else ''}); later phases did not run"
            ) from None
        session.recheck(ctx, name, since)


class PhaseFailed(Exception):
    """A phase met a response shape it could not handle; the run reports what it had."""


def run_probe(options: ProbeOptions) -> ProbeResult:
    """Run every phase within the budget; raises ProbeError only for usage/connection problems."""
    started = time.monotonic()
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    transport = Transport(
        options.target,
        max_requests=options.max_requests,
        rps=options.rps,
        secrets=_secrets(options.identities),
        on_request=options.on_request,
    )
    stopped: str | None = None
    damage: str | None = None
    try:
        try:
            document, location = _load(transport, options.openapi)
        except BudgetExhausted:
            raise ProbeError("--max-requests is too small to even load the openapi") from None
        transport.base_path, ignored = document.base_path(options.target)
        operations = read_operations(document)
        if options.extra is not None:
            known = {op.key for op in operations}
            operations += [op for op in extra_operations(options.extra) if op.key not in known]
        if not operations:
            raise ProbeError(f"bad openapi {document.source}: no operations")
        scheme = scheme_from(document.raw)
        for identity in options.identities:
            identity.scheme = scheme
        safe = [
            op for op in operations if unsafe_reason(op) is None or options.policy.allows_unsafe(op)
        ]
        ctx = ProbeContext(
            transport=transport,
            document=document,
            operations=safe,
            identities=options.identities,
            policy=options.policy,
            destructive=options.destructive,
            on_phase=options.on_phase,
        )
        ctx.coverage.register(operations, id_taking(operations))
        for op in operations:
            if op not in safe:
                for check in ("read", "write", "delete") if op.path_params else ("leak",):
                    ctx.coverage.skip(op, check, f"skipped for safety: {unsafe_reason(op)}")
        ctx.held_back = [op for op in operations if op not in safe]
        ctx.notes.extend(f"ignored off-target server {url}" for url in ignored)
        snapshots = singletons.Snapshots()
        try:
            session.check_identities(ctx)
        except BudgetExhausted:
            raise ProbeError("--max-requests is too small to check the identities") from None
        ctx.after_write = lambda who, op, answer: session.guard(ctx, who, op, answer)
        try:
            _phases(ctx, snapshots)
        except BudgetExhausted:
            stopped = f"stopped early: --max-requests {options.max_requests} reached"
        except session.Damaged as broken:
            stopped = damage = str(broken)
        except (session.LostAccess, PhaseFailed) as lost:
            stopped = str(lost)
        transport.cleaning = True
        ctx.after_write = None
        try:
            singletons.restore(ctx, snapshots)
        except BudgetExhausted:
            ctx.changed.append("snapshots not restored: request budget exhausted")
        left = cleanup.run(ctx)
    finally:
        transport.close()
    for op in operations:
        if not ctx.coverage.row(op.key):
            reason = "no check applies" if op.is_health_or_docs else "not reached"
            if is_login(op):
                reason = "a login/token route: used to sign in, not attacked"
            ctx.coverage.skip(op, "leak", reason)
    findings = sorted(
        ctx.findings.values(),
        key=lambda f: (SEVERITY_ORDER[f.severity], f.kind, f.operation, f.attacker),
    )
    return ProbeResult(
        target=options.target,
        findings=findings,
        requests=transport.sent,
        seconds=round(time.monotonic() - started, 2),
        operations=len(operations),
        identities=[identity.name for identity in options.identities],
        notes=ctx.notes,
        spec_location=location,
        coverage=ctx.coverage.as_rows(),
        coverage_share=round(ctx.coverage.share, 4),
        min_coverage=options.min_coverage,
        untested=ctx.coverage.untested_id_ops(),
        stopped=stopped,
        public=dict(ctx.public),
        left_behind=left,
        changed=ctx.changed,
        started=stamp,
        version=__version__,
        people=[
            {"name": i.name, "roles": sorted(i.roles), "tenant": i.tenant}
            for i in options.identities
        ],
        policy=options.policy.source,
        fail_on=options.fail_on,
        privileged=dict(ctx.privileged),
        per_caller=dict(ctx.per_caller),
        damage=damage,
    )
