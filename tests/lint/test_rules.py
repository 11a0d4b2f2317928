"""Both directions on the annotated corpus: every `# ruleid:` line flagged, nothing else flagged.

`# ruleid: ID` expects a finding at the rule's severity (or lowered for an unreachable route),
`# info: ID` expects it lowered to info (a read on a route declared public), `# ok: ID` expects
none. The corpus's pyproject-like settings (public patterns) are passed as the config.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from pathlib import Path

import pytest

from dynaguard.lint import lint_paths
from dynaguard.lint.config import LintConfig
from dynaguard.lint.core.model import Severity
from dynaguard.lint.engine import LintResult
from dynaguard.lint.rules import RULES

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "lint"
PROJECTS = CORPUS / "projects"
CONFIG = LintConfig(root=CORPUS, public=("GET /catalog/*",))
_ANNOTATION = re.compile(r"(?:#\s*|\s)(ruleid|ok|info):\s*(DG\d{3}(?:\s*,\s*DG\d{3})*)")

Mark = tuple[str, int, str]


def _annotations() -> tuple[set[Mark], set[Mark], set[Mark]]:
    expected: set[Mark] = set()
    allowed_absent: set[Mark] = set()
    informational: set[Mark] = set()
    for path in sorted(CORPUS.rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            for kind, ids in _ANNOTATION.findall(line):
                for rule_id in (part.strip() for part in ids.split(",")):
                    target = {"ruleid": expected, "ok": allowed_absent, "info": informational}
                    target[kind].add((path.resolve().as_posix(), number, rule_id))
    return expected, allowed_absent, informational


@pytest.fixture(scope="module")
def corpus_result() -> LintResult:
    return lint_paths([CORPUS], CONFIG)


def _reported(result: LintResult, info: bool | None = None) -> set[Mark]:
    return {
        (Path(f.location.path).resolve().as_posix(), f.location.line, f.rule.id)
        for f in result.findings
        if info is None or (f.level is Severity.INFO) == info
    }


def test_corpus_parses(corpus_result: LintResult) -> None:
    assert corpus_result.errors == []
    assert corpus_result.files >= 10


def test_every_rule_has_both_kinds_of_annotation() -> None:
    expected, allowed_absent, _ = _annotations()
    for rule_id in RULES:
        assert any(m[2] == rule_id for m in expected), f"no ruleid for {rule_id}"
        assert any(m[2] == rule_id for m in allowed_absent), f"no ok for {rule_id}"


def test_corpus_has_at_least_15_real_shape_projects() -> None:
    projects = [p for p in PROJECTS.iterdir() if p.is_dir()]
    assert len(projects) >= 15
    for project in projects:
        expected, allowed_absent, _ = _annotations()
        inside = {m for m in expected | allowed_absent if m[0].startswith(project.as_posix())}
        kinds = {m in expected for m in inside}
        assert kinds == {True, False}, f"{project.name} needs labelled flaws and labelled safe code"


def test_info_marks_are_reported_at_info(corpus_result: LintResult) -> None:
    _, _, informational = _annotations()
    assert informational, "the corpus declares public routes"
    assert informational == _reported(corpus_result, info=True)


def test_recall_and_precision_per_rule(corpus_result: LintResult) -> None:
    expected, allowed_absent, _ = _annotations()
    reported = _reported(corpus_result, info=False)
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
        assert recall >= 0.95 and precision >= 0.95, f"{rule_id}: {s}"
    missed = sorted(expected - reported)
    extra = sorted(reported - expected)
    flagged_ok = sorted(reported & allowed_absent)
    assert flagged_ok == [], f"flagged on `# ok:` lines: {flagged_ok}"
    assert missed == [], f"not flagged: {missed}"
    assert extra == [], f"flagged without annotation: {extra}"


def _signature(result: LintResult) -> list[tuple[str, int, str, str | None, str, str]]:
    return sorted(
        (
            Path(f.location.path).resolve().as_posix(),
            f.location.line,
            f.rule.id,
            f.route,
            f.level.value,
            f.message,
        )
        for f in result.findings
    )


def test_file_order_changes_nothing(corpus_result: LintResult) -> None:
    files = sorted(PROJECTS.rglob("*.py"))
    forward = _signature(lint_paths(files, CONFIG))
    assert forward == _signature(lint_paths(list(reversed(files)), CONFIG))
    shuffled = list(files)
    random.Random(12).shuffle(shuffled)
    assert forward == _signature(lint_paths(shuffled, CONFIG))
    assert len(forward) > 30


def test_shared_helper_is_one_finding_listing_every_route(corpus_result: LintResult) -> None:
    helper = (PROJECTS / "shared_helper" / "svc" / "store.py").resolve().as_posix()
    found = [
        f
        for f in corpus_result.findings
        if Path(f.location.path).resolve().as_posix() == helper and f.rule.id == "DG101"
    ]
    assert len(found) == 1
    assert [r.label for r in found[0].routes] == [
        "GET /docs/{doc_id}",
        "GET /docs/{doc_id}/preview",
    ]
    assert found[0].route == "GET /docs/{doc_id}"
    assert found[0].message.endswith("(reached from 2 routes)")
    assert all(r.location.path.endswith("api.py") for r in found[0].routes)


def test_unreachable_router_is_lowered_with_a_reason(corpus_result: LintResult) -> None:
    by_file: dict[str, list[tuple[str, Severity, str]]] = defaultdict(list)
    for f in corpus_result.findings:
        if "/unreachable/" in Path(f.location.path).resolve().as_posix():
            by_file[Path(f.location.path).name].append((f.rule.id, f.level, f.message))
    assert {(r, lvl) for r, lvl, _ in by_file["live.py"]} == {
        ("DG101", Severity.ERROR),
        ("DG105", Severity.ERROR),
    }
    assert {(r, lvl) for r, lvl, _ in by_file["legacy.py"]} == {
        ("DG101", Severity.WARNING),
        ("DG105", Severity.WARNING),
    }
    assert all("never included in an app" in m for _, _, m in by_file["legacy.py"])


def test_same_named_classes_of_two_modules_stay_apart() -> None:
    """`notes.models.ItemIn` (text only) and `projects.models.ItemIn` (with owner_id): each
    route's spread is judged by its own import, whichever module the tree lists last."""
    project = PROJECTS / "same_name_models"
    for files in (
        [project],
        sorted(project.rglob("*.py")),
        sorted(project.rglob("*.py"), reverse=True),
    ):
        result = lint_paths(files, LintConfig(root=project))
        assert {(f.rule.id, f.route) for f in result.findings} == {("DG106", "POST /projects")}


def test_ownerless_reads_say_why_and_owned_tables_keep_their_severity(
    corpus_result: LintResult,
) -> None:
    """Products never carry an owner: anonymous reads are info with the reason. Orders carry
    `customer_id` and users are users: the same anonymous reads stay errors."""
    main = (PROJECTS / "ownerless_catalogue" / "app" / "main.py").resolve().as_posix()
    levels = {
        (f.route, f.rule.id): (f.level, f.message)
        for f in corpus_result.findings
        if Path(f.location.path).resolve().as_posix() == main
    }
    level, message = levels[("GET /products/{sku}", "DG101")]
    assert level is Severity.INFO
    assert "ownerless data: no item of PRODUCTS_TABLE carries an owner" in message
    assert levels[("GET /orders/{order_id}", "DG101")][0] is Severity.ERROR
    assert levels[("GET /users/{username}", "DG101")][0] is Severity.ERROR
    assert levels[("PUT /products/{sku}", "DG105")][0] is Severity.ERROR


def test_an_unnamed_table_is_ownerless_only_when_nothing_in_its_project_has_an_owner(
    tmp_path: Path,
) -> None:
    """The table comes in as a parameter: the linter cannot name it, so the whole project
    decides. One owner-keyed write anywhere makes the anonymous read a finding again."""
    source = (
        "from fastapi import FastAPI\n"
        "app = FastAPI()\n"
        "def fetch(table, key):\n"
        "    return table.get_item(Key={'id': key})['Item']\n"
        "@app.get('/things/{key}')\n"
        "def thing(key: str):\n"
        "    return fetch(TABLE, key)\n"
    )
    (tmp_path / "app.py").write_text(source)
    alone = lint_paths([tmp_path], LintConfig(root=tmp_path))
    assert {(f.rule.id, f.level) for f in alone.findings} == {
        ("DG101", Severity.INFO),
        ("DG105", Severity.INFO),
    }
    owned = source + (
        "def save(table, user_id):\n"
        "    table.put_item(Item={'id': 'x', 'user_id': user_id})\n"
        "@app.post('/things/{user_id}')\n"
        "def add(user_id: str):\n"
        "    save(TABLE, user_id)\n"
    )
    (tmp_path / "app.py").write_text(owned)
    result = lint_paths([tmp_path], LintConfig(root=tmp_path))
    read = {(f.rule.id, f.level) for f in result.findings if f.route == "GET /things/{key}"}
    assert read == {("DG101", Severity.ERROR), ("DG105", Severity.ERROR)}


def test_the_library_layers_may_use_hazmat_and_the_verifier_may_build_principals(
    tmp_path: Path,
) -> None:
    """`dynaguard.fastapi` builds its views from the raw store and `dynaguard.auth` is the
    verifier: neither is reported; the application's route that does the same is."""
    package = tmp_path / "dynaguard"
    for folder in (package, package / "fastapi", package / "auth", tmp_path / "shop"):
        folder.mkdir(exist_ok=True)
        (folder / "__init__.py").write_text("")
    (package / "fastapi" / "views.py").write_text(
        "from dynaguard.fastapi.hazmat import StoreDep\n"
        "from dynaguard.auth.verify import caller\n"
        "def own_items(store: StoreDep, who=caller()):\n"
        "    return store.owned(who)\n"
    )
    (package / "auth" / "verify.py").write_text(
        "class VerifiedPrincipal:\n"
        "    sub: str\n"
        "def caller(token: str = ''):\n"
        "    return VerifiedPrincipal(sub=token)\n"
    )
    (tmp_path / "shop" / "api.py").write_text(
        "from fastapi import Depends, FastAPI\n"
        "from dynaguard.fastapi.hazmat import get_store\n"
        "from dynaguard.fastapi.views import own_items\n"
        "app = FastAPI()\n"
        "@app.get('/mine')\n"
        "def mine(items=Depends(own_items)):\n"
        "    return items\n"
        "@app.get('/all')\n"
        "def everything():\n"
        "    return get_store().scan_all()\n"
    )
    result = lint_paths([tmp_path], LintConfig(root=tmp_path, select=frozenset({"DG111"})))
    assert [(Path(f.location.path).name, f.location.line) for f in result.findings] == [
        ("api.py", 10)
    ]


def test_the_self_lint_examines_the_store_calls_and_is_clean() -> None:
    """`dynaguard lint src`: the routes reach the store's views through the dependency
    factories, and the views' DynamoDB calls (`client.get_item(**request)`) are examined."""
    src = Path(__file__).resolve().parents[2] / "src"
    result = lint_paths([src], LintConfig(root=src))
    assert result.routes >= 15
    assert result.dynamodb_calls >= 20
    assert result.findings == []
