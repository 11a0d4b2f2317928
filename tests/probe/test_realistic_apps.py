"""Recall, precision and coverage of the probe on the realistic labelled apps (FastAPI and Flask,
written in the shapes other people use): every planted flaw found, nothing reported on the fixed
twins or on public data, every id-taking operation exercised, no identity locked out."""

from __future__ import annotations

import importlib
import pkgutil
from collections import Counter
from types import ModuleType
from typing import Any

import pytest

from dynaguard.probe.findings import ProbeResult
from dynaguard.probe.runner import ProbeOptions, run_probe

from . import realistic

CASES = sorted(
    m.name for m in pkgutil.iter_modules(realistic.__path__) if not m.name.startswith("_")
)


def _case(name: str) -> ModuleType:
    return importlib.import_module(f"{realistic.__name__}.{name}")


def _run(case: ModuleType, vulnerable: bool, served: Any) -> tuple[Any, str, ProbeResult]:
    app = case.create_app(vulnerable)
    url = served(app)
    result = run_probe(ProbeOptions(url, case.identities(url), destructive=True, rps=0))
    return app, url, result


def test_the_set_is_large_and_varied() -> None:
    frameworks = {type(_case(name).create_app(False)).__name__ for name in CASES}
    assert len(CASES) >= 16 and frameworks == {"FastAPI", "Flask"}


def test_recall_and_precision_on_realistic_apps(served: Any) -> None:
    found = missed = false = 0
    lines = []
    for name in CASES:
        case = _case(name)
        for vulnerable in (True, False):
            _, _, result = _run(case, vulnerable, served)
            got = {(f.kind, f.operation) for f in result.findings}
            expected = case.EXPECTED if vulnerable else set()
            found += len(expected & got)
            missed += len(expected - got)
            false += len(got - expected)
            label = "vulnerable" if vulnerable else "fixed"
            by_severity = Counter(f.severity for f in result.findings)
            lines.append(
                f"{name:15} {label:10} missed={sorted(expected - got)} "
                f"extra={sorted(got - expected)} severities={dict(sorted(by_severity.items()))} "
                f"exit={result.exit_code} "
                f"coverage={result.coverage_share:.0%} untested={result.untested} "
                f"requests={result.requests} seconds={result.seconds}"
            )
    recall = found / (found + missed)
    precision = found / (found + false) if found + false else 1.0
    print("\n" + "\n".join(lines) + f"\nrecall={recall:.2f} precision={precision:.2f}")
    assert (recall, precision) == (1.0, 1.0), "\n".join(lines)


@pytest.mark.parametrize("name", CASES)
def test_every_id_taking_operation_is_exercised(name: str, served: Any) -> None:
    case = _case(name)
    app, url, result = _run(case, False, served)
    rows = {row["operation"]: row for row in result.coverage}
    skipped = [row for row in rows.values() if row["takes_id"] and not row["exercised"]]
    assert all(  # only routes the probe must not call (password, reset) stay untested
        all(state.startswith("skipped for safety") for state in row["checks"].values())
        for row in skipped
    ), skipped
    assert result.untested == [row["operation"] for row in skipped]  # and they count against
    assert result.coverage_share == 1.0 or skipped, result.coverage
    assert result.exit_code == (0 if result.coverage_share >= 0.8 else 3), result.incomplete
    assert all(rows[operation]["exercised"] for _, operation in case.EXPECTED)
    if hasattr(case, "still_logs_in"):
        assert case.still_logs_in(url)
    resets = getattr(getattr(app, "state", None), "resets", None)
    resets = getattr(app, "config", {}).get("resets", resets)
    assert resets in (None, 0)
