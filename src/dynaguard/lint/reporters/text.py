"""`path:line:col: DGnnn message`, then the one-line fix, then a count and what was examined."""

from __future__ import annotations

from dynaguard.lint.engine import LintResult


def render_text(result: LintResult) -> str:
    lines: list[str] = []
    for finding in result.findings:
        where = finding.location
        lowered = f" [{finding.level.value}]" if finding.severity is not None else ""
        head = f"{where.path}:{where.line}:{where.column}: {finding.rule.id}{lowered}"
        lines.append(f"{head} {finding.message}")
        lines.append(f"    fix: {finding.rule.fix}")
    count = len(result.findings)
    noun = "finding" if count == 1 else "findings"
    files = f"{result.files} file{'s' if result.files != 1 else ''}"
    routes = f"{result.routes} route{'s' if result.routes != 1 else ''}"
    calls = f"{result.dynamodb_calls} DynamoDB call{'s' if result.dynamodb_calls != 1 else ''}"
    lines.append(f"{count} {noun} in {files} ({routes}, {calls} examined)")
    if result.files and not result.routes:
        lines.append("note: no FastAPI route was found, so no request handler was checked")
    return "\n".join(lines) + "\n"
