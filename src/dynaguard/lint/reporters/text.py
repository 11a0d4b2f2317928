"""`path:line:col: DGnnn message`, then the one-line fix, then a count."""

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
    lines.append(f"{count} {noun} in {result.files} file{'s' if result.files != 1 else ''}")
    return "\n".join(lines) + "\n"
