"""The terminal summary: a Rich table of findings, then notes and the request count."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from dynaguard.probe.findings import ProbeResult

_STYLE = {"critical": "bold white on red", "high": "bold red", "medium": "yellow", "low": "dim"}


def render(result: ProbeResult, console: Console) -> None:
    if result.findings:
        table = Table(title=f"dynaguard probe: {result.target}", show_lines=False)
        for column in ("severity", "kind", "OWASP", "operation", "attacker → victim"):
            table.add_column(column, overflow="fold")
        for finding in result.findings:
            table.add_row(
                f"[{_STYLE[finding.severity]}]{finding.severity}[/]",
                Text(finding.kind),
                Text(finding.rule.owasp.split(" ", 1)[0]),
                Text(finding.operation),
                Text(finding.attacker + (f" → {finding.victim}" if finding.victim else "")),
            )
        console.print(table)
        console.print("[dim]evidence and fixes: --format html --output report.html[/]")
    else:
        console.print(f"[green]no findings[/] on {result.target}")
    for note in result.notes:
        console.print(Text("note: ", style="dim") + Text(note))
    console.print(
        f"{len(result.findings)} finding(s), {result.requests} requests, {result.seconds} s, "
        f"{result.operations} operations",
        highlight=False,
    )
