"""The JSON report: a stable, versioned shape (bump SCHEMA_VERSION on any breaking change).

Version 2 adds the scan header, findings grouped by operation and root cause, the coverage
table, public-by-design operations, objects left behind and the exit code. Version 3 adds each
finding's `proof` (state or status only), `privileged_access`, `per_caller`, and the summary's
`fail_on` and `damage`."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from dynaguard.probe.findings import ProbeResult

SCHEMA_VERSION = 3


def as_dict(result: ProbeResult) -> dict[str, Any]:
    by_severity = Counter(finding.severity for finding in result.findings)
    by_kind = Counter(finding.kind for finding in result.findings)
    return {
        "tool": "dynaguard-probe",
        "schema_version": SCHEMA_VERSION,
        "target": result.target,
        "scan": {
            "started": result.started,
            "version": result.version,
            "policy": result.policy,
            "identities": result.people,
        },
        "summary": {
            "findings": len(result.findings),
            "groups": len(result.groups()),
            "by_severity": dict(sorted(by_severity.items())),
            "by_kind": dict(sorted(by_kind.items())),
            "incomplete": result.incomplete,
            "damage": result.damage,
            "fail_on": result.fail_on,
            "exit_code": result.exit_code,
        },
        "stats": {
            "requests": result.requests,
            "seconds": result.seconds,
            "operations": result.operations,
            "identities": result.identities,
        },
        "coverage": {
            "share": result.coverage_share,
            "min_coverage": result.min_coverage,
            "untested": result.untested,
            "operations": result.coverage,
        },
        "groups": [
            {
                "operation": operation,
                "kind": kind,
                "severity": items[0].severity,
                "proof": items[0].proof,
                "pairs": [[f.attacker, f.victim] for f in items],
            }
            for operation, kind, items in result.groups()
        ],
        "public": result.public,
        "privileged_access": result.privileged,
        "per_caller": result.per_caller,
        "left_behind": result.left_behind,
        "changed": result.changed,
        "notes": result.notes,
        "findings": [finding.as_dict() for finding in result.findings],
    }


def render(result: ProbeResult) -> str:
    return json.dumps(as_dict(result), indent=2) + "\n"
