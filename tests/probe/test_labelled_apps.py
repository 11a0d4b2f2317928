"""Recall and precision of the probe on the labelled vulnerable/fixed app set."""

from __future__ import annotations

import importlib
import pkgutil
from collections import Counter
from typing import Any

from dynaguard.probe.runner import ProbeOptions, run_probe

from . import apps
from .conftest import four_identities

CASES = sorted(
    module.name for module in pkgutil.iter_modules(apps.__path__) if not module.name.startswith("_")
)


def test_every_case_is_labelled() -> None:
    assert set(CASES) == {
        "bfla", "bola_read", "bola_write", "cursor_replay", "delete_403", "list_leak",
        "mass_assignment", "named_delete",
    }  # fmt: skip


def test_recall_and_precision_on_the_labelled_set(served: Any) -> None:
    hits = misses = false_alarms = clean = 0
    lines = []
    for name in CASES:
        case = importlib.import_module(f"{apps.__name__}.{name}")
        for vulnerable in (True, False):
            app = case.create_app(vulnerable)
            result = run_probe(
                ProbeOptions(served(app), four_identities(), destructive=True, rps=0)
            )
            kinds = sorted({finding.kind for finding in result.findings})
            severities = dict(sorted(Counter(f.severity for f in result.findings).items()))
            assert app.state.hits == result.requests
            if vulnerable:
                found = case.KIND in kinds
                hits, misses = hits + found, misses + (not found)
            else:
                clean, false_alarms = clean + (not kinds), false_alarms + bool(kinds)
            label = "vulnerable" if vulnerable else "fixed"
            lines.append(
                f"{name:16} {label:10} expect={case.KIND if vulnerable else '-':16} got={kinds} "
                f"severities={severities} exit={result.exit_code} "
                f"requests={result.requests} seconds={result.seconds}"
            )
    recall = hits / (hits + misses)
    precision = hits / (hits + false_alarms) if hits + false_alarms else 1.0
    print("\n" + "\n".join(lines))
    print(f"recall={recall:.2f} precision={precision:.2f} (fixed variants clean: {clean})")
    assert (recall, precision) == (1.0, 1.0), "\n".join(lines)
