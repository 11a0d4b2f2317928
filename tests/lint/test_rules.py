"""Both directions on the annotated corpus: every `# ruleid:` line flagged, nothing else flagged."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from dynaguard.lint import lint_paths
from dynaguard.lint.config import LintConfig
from dynaguard.lint.engine import LintResult
from dynaguard.lint.rules import RULES

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "lint"
_ANNOTATION = re.compile(r"#\s*(ruleid|ok):\s*(DG\d{3}(?:\s*,\s*DG\d{3})*)")

Mark = tuple[str, int, str]


def _annotations() -> tuple[set[Mark], set[Mark]]:
    expected: set[Mark] = set()
    allowed_absent: set[Mark] = set()
    for path in sorted(CORPUS.rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            for kind, ids in _ANNOTATION.findall(line):
                for rule_id in (part.strip() for part in ids.split(",")):
                    target = expected if kind == "ruleid" else allowed_absent
                    target.add((path.resolve().as_posix(), number, rule_id))
    return expected, allowed_absent


@pytest.fixture(scope="module")
def corpus_result() -> LintResult:
    return lint_paths([CORPUS], LintConfig(root=CORPUS))


def _reported(result: LintResult) -> set[Mark]:
    return {
        (Path(f.location.path).resolve().as_posix(), f.location.line, f.rule.id)
        for f in result.findings
    }


def test_corpus_parses(corpus_result: LintResult) -> None:
    assert corpus_result.errors == []
    assert corpus_result.files >= 10


def test_every_rule_has_both_kinds_of_annotation() -> None:
    expected, allowed_absent = _annotations()
    for rule_id in RULES:
        assert any(m[2] == rule_id for m in expected), f"no ruleid for {rule_id}"
        assert any(m[2] == rule_id for m in allowed_absent), f"no ok for {rule_id}"


def test_recall_and_precision_per_rule(corpus_result: LintResult) -> None:
    expected, allowed_absent = _annotations()
    reported = _reported(corpus_result)
    stats: dict[str, dict[str, int]] = defaultdict(lambda: {"tp": 0, "fn": 0, "fp": 0})
    for mark in expected:
        stats[mark[2]]["tp" if mark in reported else "fn"] += 1
    for mark in reported - expected:
        stats[mark[2]]["fp"] += 1
    print()
    for rule_id in sorted(RULES):
        s = stats[rule_id]
        recall = s["tp"] / (s["tp"] + s["fn"]) if s["tp"] + s["fn"] else 1.0
        precision = s["tp"] / (s["tp"] + s["fp"]) if s["tp"] + s["fp"] else 1.0
        print(f"{rule_id}: recall {recall:.2f} precision {precision:.2f} ({s})")
    missed = sorted(expected - reported)
    extra = sorted(reported - expected)
    flagged_ok = sorted(reported & allowed_absent)
    assert flagged_ok == [], f"flagged on `# ok:` lines: {flagged_ok}"
    assert missed == [], f"not flagged: {missed}"
    assert extra == [], f"flagged without annotation: {extra}"
