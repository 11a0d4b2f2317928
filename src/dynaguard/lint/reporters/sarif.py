"""SARIF 2.1.0 as GitHub code scanning accepts it: rules with security-severity, relative URIs."""

from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from dynaguard.lint.core.model import Location, RuleInfo
from dynaguard.lint.engine import LintResult
from dynaguard.lint.rules import BARE_SUPPRESSION, RULES

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)


def _version() -> str:
    try:
        return version("dynaguard")
    except PackageNotFoundError:
        return "0.0.0"


def _rule(info: RuleInfo) -> dict[str, Any]:
    return {
        "id": info.id,
        "name": info.name,
        "shortDescription": {"text": info.summary},
        "fullDescription": {"text": info.summary},
        "help": {
            "text": f"{info.summary}. Fix: {info.fix}",
            "markdown": f"**{info.id} {info.name}**: {info.summary}.\n\n**Fix:** {info.fix}",
        },
        "defaultConfiguration": {"level": info.severity.value},
        "properties": {
            "security-severity": f"{info.security_severity:.1f}",
            "precision": "high",
            "tags": ["security", f"external/cwe/cwe-{info.cwe}"],
        },
    }


def _location(where: Location) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": where.path, "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": where.line, "startColumn": where.column},
        }
    }


def render_sarif(result: LintResult) -> str:
    infos = [rule.info for rule in RULES.values()] + [BARE_SUPPRESSION]
    index = {info.id: position for position, info in enumerate(infos)}
    results = [
        {
            "ruleId": f.rule.id,
            "ruleIndex": index[f.rule.id],
            "level": "note" if f.level.value == "info" else f.level.value,
            "message": {"text": f"{f.message}. Fix: {f.rule.fix}"},
            "locations": [_location(f.location)],
            "relatedLocations": [
                {**_location(r.location), "id": number, "message": {"text": r.label}}
                for number, r in enumerate(f.routes, start=1)
            ],
        }
        for f in result.findings
    ]
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "dynaguard",
                        "version": _version(),
                        "semanticVersion": _version(),
                        "rules": [_rule(info) for info in infos],
                    }
                },
                "results": results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
    return json.dumps(document, indent=2) + "\n"
