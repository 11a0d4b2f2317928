"""DG100: an inline suppression without a reason. Reported by the engine, not by the data flow."""

from dynaguard.lint.core.model import RuleInfo, Severity

RULE = RuleInfo(
    id="DG100",
    name="SuppressionWithoutReason",
    severity=Severity.WARNING,
    summary="`# dynaguard: ignore[...]` must say why the finding does not apply",
    fix="write the reason after the bracket: `# dynaguard: ignore[DG104] admin-only export`",
    security_severity=3.0,
    cwe=1078,
)
