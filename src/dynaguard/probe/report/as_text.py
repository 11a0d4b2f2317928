"""The terminal summary: scan header, findings grouped by operation and cause, the coverage table,
public operations, objects left behind, notes, and one line on incomplete coverage."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from dynaguard.probe.engine.coverage import CHECKS, TESTED
from dynaguard.probe.findings import ProbeResult

_STYLE = {
    "critical": "bold white on red", "high": "bold red", "medium": "yellow", "low": "dim",
    "info": "dim",
}  # fmt: skip


def people(result: ProbeResult) -> str:
    shown = []
    for person in result.people:
        extra = ", ".join([*person["roles"], *([person["tenant"]] if person["tenant"] else [])])
        shown.append(f"{person['name']} ({extra})" if extra else person["name"])
    return ", ".join(shown)


def coverage_table(result: ProbeResult) -> Table:
    table = Table(title="coverage (✓ tested; otherwise why not)", show_lines=False)
    table.add_column("operation", overflow="fold")
    used = [c for c in CHECKS if any(c in row["checks"] for row in result.coverage)]
    for check in used:
        table.add_column(check, overflow="fold")
    for row in result.coverage:
        marker = "*" if row["takes_id"] else ""
        cells = []
        for check in used:
            state = row["checks"].get(check, "")
            cells.append(Text("✓", style="green") if state == TESTED else Text(state, style="dim"))
        table.add_row(Text(row["operation"] + marker), *cells)
    table.caption = "* takes an object id"
    return table


def render(result: ProbeResult, console: Console) -> None:
    console.print(
        Text(
            f"dynaguard probe {result.version} on {result.target} at {result.started}; "
            f"identities {people(result)}; policy {result.policy}"
        )
    )
    if result.findings:
        table = Table(title=f"findings: {result.target}", show_lines=False)
        for column in ("severity", "kind", "OWASP", "operation", "proof", "attacker → victim"):
            table.add_column(column, overflow="fold")
        for operation, kind, items in result.groups():
            pairs = ", ".join(f.attacker + (f" → {f.victim}" if f.victim else "") for f in items)
            table.add_row(
                f"[{_STYLE[items[0].severity]}]{items[0].severity}[/]",
                Text(kind),
                Text(items[0].rule.owasp.split(" ", 1)[0]),
                Text(operation),
                Text(items[0].proof),
                Text(pairs),
            )
        console.print(table)
        console.print("[dim]evidence and fixes: --format html --output report.html[/]")
    else:
        console.print(f"[green]no findings[/] on {result.target}")
    console.print(coverage_table(result))
    for operation, why in result.public.items():
        console.print(Text("public: ", style="cyan") + Text(f"{operation}: {why}"))
    for operation, why in result.privileged.items():
        console.print(Text("privileged access: ", style="cyan") + Text(f"{operation}: {why}"))
    for operation, why in result.per_caller.items():
        console.print(Text("per-caller action: ", style="cyan") + Text(f"{operation}: {why}"))
    for url in result.left_behind:
        console.print(Text("left behind: ", style="yellow") + Text(url))
    for change in result.changed:
        console.print(Text("changed: ", style="yellow") + Text(change))
    for note in result.notes:
        console.print(Text("note: ", style="dim") + Text(note))
    if result.damage:
        console.print(Text("stopped: ", style="bold red") + Text(result.damage))
    elif result.incomplete:
        console.print(Text("incomplete: ", style="bold yellow") + Text(result.incomplete))
    below = len(result.findings) - len(result.failing)
    console.print(
        f"{len(result.findings)} finding(s) in {len(result.groups())} group(s)"
        + (f" ({below} below --fail-on {result.fail_on})" if below else "")
        + f", {result.requests} requests, {result.seconds} s, {result.operations} operations, "
        f"coverage {result.coverage_share:.0%} of id-taking operations; exit {result.exit_code}",
        highlight=False,
    )
