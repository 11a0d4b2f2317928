"""A flat JSON document, stable keys, for scripts and dashboards."""

from __future__ import annotations

import json

from dynaguard.lint.engine import LintResult


def render_json(result: LintResult) -> str:
    document = {
        "files": result.files,
        "routes": result.routes,
        "dynamodb_calls": result.dynamodb_calls,
        "findings": [
            {
                "rule": f.rule.id,
                "name": f.rule.name,
                "severity": f.level.value,
                "path": f.location.path,
                "line": f.location.line,
                "column": f.location.column,
                "message": f.message,
                "fix": f.rule.fix,
                "route": f.route,
                "routes": [r.label for r in f.routes],
            }
            for f in result.findings
        ],
        "errors": [*result.errors, *result.warnings],
        "notes": result.notes,
    }
    return json.dumps(document, indent=2) + "\n"
