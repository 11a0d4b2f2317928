"""SARIF 2.1.0 for GitHub code scanning: one rule per finding kind, the operation as a logical
location, and the OpenAPI document as the physical one (code scanning needs a file)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from dynaguard import __version__
from dynaguard.probe.findings import KINDS, Finding, ProbeResult

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
_SCORE = {"critical": "9.5", "high": "8.0", "medium": "5.0", "low": "3.0", "info": "0.0"}


def _rule(kind_id: str) -> dict[str, Any]:
    kind = KINDS[kind_id]
    return {
        "id": kind.id,
        "name": "".join(part.capitalize() for part in kind.id.split("-")),
        "shortDescription": {"text": kind.title},
        "fullDescription": {"text": kind.description},
        "help": {
            "text": f"{kind.owasp}. Fix: {kind.fix}",
            "markdown": f"**{kind.owasp}**\n\n{kind.fix}",
        },
        "defaultConfiguration": {"level": _LEVEL[kind.severity]},
        "properties": {
            "tags": ["security", "access-control", kind.owasp.split(" ", 1)[0]],
            "security-severity": _SCORE[kind.severity],
            "precision": "high",
        },
    }


def _result(finding: Finding, rule_index: int, location: str) -> dict[str, Any]:
    fingerprint = hashlib.sha256("|".join(map(str, finding.dedupe_key)).encode()).hexdigest()
    return {
        "ruleId": finding.kind,
        "ruleIndex": rule_index,
        "level": _LEVEL[finding.severity],
        "message": {"text": f"{finding.operation}: {finding.message}"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": location},
                    "region": {"startLine": 1},
                },
                "logicalLocations": [
                    {
                        "name": finding.operation,
                        "fullyQualifiedName": finding.operation,
                        "kind": "function",
                    }
                ],
            }
        ],
        "partialFingerprints": {"dynaguardProbe/v1": fingerprint},
        "properties": {
            "severity": finding.severity,
            "owasp": finding.rule.owasp,
            "attacker": finding.attacker,
            "victim": finding.victim,
            "crossTenant": finding.cross_tenant,
            "proof": finding.proof,
        },
    }


def _notifications(result: ProbeResult) -> list[dict[str, Any]]:
    """Coverage as notifications: every operation by check that was not tested, and why."""
    found: list[dict[str, Any]] = []
    for row in result.coverage:
        for check, state in row["checks"].items():
            if state == "tested":
                continue
            found.append(
                {
                    "level": "warning" if row["takes_id"] else "note",
                    "message": {"text": f"{row['operation']}: {check} not tested: {state}"},
                    "locations": [
                        {"logicalLocations": [{"name": row["operation"], "kind": "function"}]}
                    ],
                }
            )
    if result.incomplete:
        found.insert(0, {"level": "error", "message": {"text": f"incomplete: {result.incomplete}"}})
    return found


def render(result: ProbeResult) -> str:
    order = list(KINDS)
    run = {
        "tool": {
            "driver": {
                "name": "dynaguard-probe",
                "version": __version__,
                "rules": [_rule(kind) for kind in order],
            }
        },
        "results": [
            _result(finding, order.index(finding.kind), result.spec_location)
            for finding in result.findings
        ],
        "invocations": [
            {
                "exitCode": result.exit_code,
                "executionSuccessful": result.damage is None and result.incomplete is None,
                "startTimeUtc": result.started,
                "toolExecutionNotifications": _notifications(result),
            }
        ],
        "properties": {
            "target": result.target,
            "requests": result.requests,
            "coverage": result.coverage_share,
        },
    }
    document = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, indent=2) + "\n"
