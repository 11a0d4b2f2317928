"""The JSON report: a stable, versioned shape (bump SCHEMA_VERSION on any breaking change)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from dynaguard.probe.findings import ProbeResult

SCHEMA_VERSION = 1


def as_dict(result: ProbeResult) -> dict[str, Any]:
    by_severity = Counter(finding.severity for finding in result.findings)
    by_kind = Counter(finding.kind for finding in result.findings)
    return {
        "tool": "dynaguard-probe",
        "schema_version": SCHEMA_VERSION,
        "target": result.target,
        "summary": {
            "findings": len(result.findings),
            "by_severity": dict(sorted(by_severity.items())),
            "by_kind": dict(sorted(by_kind.items())),
        },
        "stats": {
            "requests": result.requests,
            "seconds": result.seconds,
            "operations": result.operations,
            "identities": result.identities,
        },
        "notes": result.notes,
        "findings": [finding.as_dict() for finding in result.findings],
    }


def render(result: ProbeResult) -> str:
    return json.dumps(as_dict(result), indent=2) + "\n"
