"""One probe run, start to finish: load the document, run the phases in order, always clean up."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dynaguard.probe import cleanup, cursors, functions, mass, objects, setup
from dynaguard.probe.context import ProbeContext
from dynaguard.probe.document import Document, parse_text, read_file
from dynaguard.probe.errors import BudgetExhausted, ProbeError
from dynaguard.probe.findings import SEVERITY_ORDER, ProbeResult
from dynaguard.probe.identities import Identity
from dynaguard.probe.operations import read_operations
from dynaguard.probe.policy import Policy
from dynaguard.probe.transport import Transport


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
    on_phase: Callable[[str], None] | None = None
    on_request: Callable[[int], None] | None = None


def _load(transport: Transport, openapi: str | None) -> tuple[Document, str]:
    if openapi is not None and "://" not in openapi:
        return read_file(Path(openapi)), openapi
    url = openapi or f"{transport.target}/openapi.json"
    response = transport.fetch_url(url)
    if response.status_code != 200:
        raise ProbeError(f"cannot load openapi from {url}: HTTP {response.status_code}")
    return parse_text(response.text, url), "openapi.json"


def run_probe(options: ProbeOptions) -> ProbeResult:
    """Run every phase within the budget; raises ProbeError only for usage/connection problems."""
    started = time.monotonic()
    secrets = [identity.token for identity in options.identities if identity.token]
    transport = Transport(
        options.target,
        max_requests=options.max_requests,
        rps=options.rps,
        secrets=secrets,
        on_request=options.on_request,
    )
    try:
        try:
            document, location = _load(transport, options.openapi)
        except BudgetExhausted:
            raise ProbeError("--max-requests is too small to even load the openapi") from None
        transport.base_path, ignored = document.base_path(options.target)
        operations = read_operations(document)
        if not operations:
            raise ProbeError(f"bad openapi {document.source}: no operations")
        ctx = ProbeContext(
            transport=transport,
            document=document,
            operations=operations,
            identities=options.identities,
            policy=options.policy,
            destructive=options.destructive,
            on_phase=options.on_phase,
        )
        ctx.notes.extend(f"ignored off-target server {url}" for url in ignored)
        try:
            setup.run(ctx)
            objects.reads(ctx)
            cursors.run(ctx)
            objects.writes(ctx)
            functions.run(ctx)
            objects.deletes(ctx)
            mass.run(ctx)
        except BudgetExhausted:
            ctx.notes.append(f"stopped early: --max-requests {options.max_requests} reached")
        cleanup.run(ctx)
    finally:
        transport.close()
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
    )
