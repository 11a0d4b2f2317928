"""One self-contained HTML file: inline CSS, no scripts or external assets, every value escaped."""

from __future__ import annotations

from html import escape

from dynaguard.probe.engine.coverage import CHECKS, TESTED
from dynaguard.probe.engine.transport import Exchange
from dynaguard.probe.findings import Finding, ProbeResult
from dynaguard.probe.report.as_text import people

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;color:#1d2433}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #d5d9e0;padding:.3rem .5rem;
text-align:left;vertical-align:top}th{background:#f2f4f7}
.sev{font-weight:600;padding:.1rem .4rem;border-radius:.25rem;color:#fff}
.critical{background:#7a0019}.high{background:#c0392b}.medium{background:#d68910}.low{background:#5d6d7e}
details{border:1px solid #d5d9e0;border-radius:.3rem;margin:.8rem 0;padding:.5rem .8rem}
summary{cursor:pointer;font-weight:600}pre{background:#f6f8fa;padding:.5rem;overflow-x:auto;
white-space:pre-wrap;word-break:break-all}.fix{background:#eef7ee;padding:.5rem;border-radius:.3rem}
.muted{color:#5d6d7e}.ok{color:#1e7e34}.warn{background:#fff4e5;padding:.5rem;border-radius:.3rem}
"""


def _exchange(exchange: Exchange) -> str:
    head = "\n".join(f"{k}: {v}" for k, v in exchange.request_headers.items())
    response_head = "\n".join(f"{k}: {v}" for k, v in exchange.response_headers.items())
    request = f"{exchange.method} {exchange.path}\n{head}\n\n{exchange.request_body}"
    response = f"HTTP {exchange.status}\n{response_head}\n\n{exchange.response_body}"
    return (
        f"<p class=muted>as <b>{escape(exchange.identity)}</b></p>"
        f"<pre>{escape(request)}</pre><pre>{escape(response)}</pre>"
    )


def _group(index: int, operation: str, items: list[Finding]) -> str:
    """One collapsible block per operation and root cause; each pair's evidence folds inside."""
    first = items[0]
    tenant = " (cross-tenant)" if any(f.cross_tenant for f in items) else ""
    pairs = "".join(
        f"<details><summary>{escape(f.attacker)}"
        + (f" → {escape(f.victim)}" if f.victim else "")
        + f"</summary><p>{escape(f.message)}</p>"
        + "".join(_exchange(exchange) for exchange in f.evidence)
        + "</details>"
        for f in items
    )
    return (
        f"<details id=g{index}><summary><span class='sev {escape(first.severity)}'>"
        f"{escape(first.severity)}</span> {escape(first.rule.title)}: "
        f"<code>{escape(operation)}</code> ({len(items)} pair(s)){tenant}</summary>"
        f"<p><b>{escape(first.rule.owasp)}</b> · rule <code>{escape(first.kind)}</code></p>"
        f"<p class=muted>{escape(first.rule.description)}</p>"
        f"<p class=fix><b>Fix.</b> {escape(first.rule.fix)}</p><h3>Evidence</h3>{pairs}"
        "</details>"
    )


def _coverage(result: ProbeResult) -> str:
    used = [c for c in CHECKS if any(c in row["checks"] for row in result.coverage)]
    head = "".join(f"<th>{escape(c)}</th>" for c in used)
    rows = []
    for row in result.coverage:
        cells = []
        for check in used:
            state = row["checks"].get(check, "")
            shown = "<span class=ok>tested</span>" if state == TESTED else escape(state)
            cells.append(f"<td>{shown}</td>")
        mark = " *" if row["takes_id"] else ""
        rows.append(
            f"<tr><td><code>{escape(row['operation'])}</code>{mark}</td>{''.join(cells)}</tr>"
        )
    return (
        f"<table><tr><th>Operation</th>{head}</tr>{''.join(rows)}</table>"
        "<p class=muted>* takes an object id</p>"
    )


def _list(title: str, items: list[str]) -> str:
    if not items:
        return ""
    return (
        f"<h2>{escape(title)}</h2><ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"
    )


def _pairs(items: list[Finding]) -> str:
    return ", ".join(f.attacker + (f" → {f.victim}" if f.victim else "") for f in items)


def render(result: ProbeResult) -> str:
    groups = result.groups()
    rows = "".join(
        f"<tr><td><span class='sev {escape(items[0].severity)}'>{escape(items[0].severity)}</span>"
        f"</td><td><a href=#g{number}>{escape(kind)}</a></td>"
        f"<td>{escape(items[0].rule.owasp)}</td><td><code>{escape(operation)}</code></td>"
        f"<td>{escape(items[0].proof)}</td><td>{escape(_pairs(items))}</td></tr>"
        for number, (operation, kind, items) in enumerate(groups)
    )
    table = (
        "<table><tr><th>Severity</th><th>Kind</th><th>OWASP</th><th>Operation</th>"
        f"<th>Proof</th><th>Attacker → victim</th></tr>{rows}</table>"
        if result.findings
        else "<p>No findings.</p>"
    )
    details = "".join(_group(i, op, items) for i, (op, _, items) in enumerate(groups))
    incomplete = (
        f"<p class=warn><b>Incomplete:</b> {escape(result.incomplete)}</p>"
        if result.incomplete
        else ""
    )
    privileged = [f"{op}: {why}" for op, why in result.privileged.items()]
    per_caller = [f"{op}: {why}" for op, why in result.per_caller.items()]
    public = [f"{op}: {why}" for op, why in result.public.items()]
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width,initial-scale=1'>"
        f"<title>dynaguard probe: {escape(result.target)}</title><style>{_CSS}</style></head><body>"
        f"<h1>dynaguard probe report</h1><p>Target <code>{escape(result.target)}</code> · "
        f"scanned {escape(result.started)} · dynaguard {escape(result.version)} · "
        f"{len(result.findings)} finding(s) in {len(groups)} group(s) · "
        f"{result.requests} requests in {result.seconds} s · {result.operations} operations · "
        f"coverage {result.coverage_share:.0%} of id-taking operations</p>"
        f"<p>Identities: {escape(people(result))} · policy {escape(result.policy)}</p>"
        f"{incomplete}<h2>Summary</h2>{table}"
        f"<h2>Coverage</h2>{_coverage(result)}"
        + _list("Public by behaviour (info)", public)
        + _list("Privileged access (info)", privileged)
        + _list("Per-caller actions (info)", per_caller)
        + _list("Objects left behind", result.left_behind)
        + _list("Changed and not restored", result.changed)
        + _list("Notes", result.notes)
        + (f"<h2>Findings</h2>{details}" if details else "")
        + "</body></html>\n"
    )
