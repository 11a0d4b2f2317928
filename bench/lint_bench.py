"""Benchmark `dynaguard lint`: throughput on a generated 200k+ line tree, and Bandit side by side.

Run: .venv/bin/python bench/lint_bench.py   (prints numbers; asserts nothing)

Last runs (issue 22, shared 2-core machine, load average 3-10 with four other sessions): 80
copies, 6,480 files, ~201,000 lines; ast.parse 51,238-88,957 lines/s; lint in process 11,511,
12,196, 12,941 and 19,136 lines/s = 4.5x-6.8x parsing (19,136 = 4.6x at load 3, the CLI 21,373
lines/s on that run); copies check "same" (80 x 134 = 10,720). The corpus is denser than for
the lint-speed pass (3.8-4.0x then, 116 x 78 findings). After the framework layering (argparse
command line): start-up median 0.15-0.22 s on an empty file (0.27-0.42 s with typer at the same
moments); in process 13,017-22,651 lines/s (3.9x-4.6x parsing) at load average 3-6.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from dynaguard.lint import lint_paths
from dynaguard.lint.config import LintConfig

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "fixtures" / "lint"
TARGET_LINES = 200_000
SEED_FILE = "seed_vulnerable_app.py"
SEED_ROUTE_LINE = 32
_LIBRARY_NAMES = frozenset(
    {
        "get_item",
        "put_item",
        "update_item",
        "delete_item",
        "query",
        "scan",
        "batch_get_item",
        "batch_write_item",
        "transact_get_items",
        "transact_write_items",
        "get",
        "count",
        "post",
        "put",
        "patch",
        "delete",
        "head",
        "options",
        "api_route",
        "save",
        "update",
        "refresh",
        "batch_write",
        "batch_get",
        "create_table",
        "delete_table",
        "update_table",
        "principal",
        "status",
        "health",
    }
)
"""Function names that are also DynamoDB, PynamoDB, dict or FastAPI calls (`table.get_item`,
`app.get`, `app.delete`, `note.delete()`, `response.get`) stay as they are, or the copies would
lose what the rules look for: renaming a repository's `def delete` once turned every
`@app.delete(...)` of the copies into `@app.delete_c0(...)`, which is no route at all
(`principal` is also `dynaguard.auth.testing.principal`, `status` FastAPI's module, `health`
a path segment lint reads: `/health/check`)."""
_DEF = re.compile(r"^\s*(?:async\s+)?def\s+(\w+)", re.MULTILINE)


def _renamed(source: str, suffix: str, names: set[str]) -> str:
    """Give every function of the corpus its own name in each copy (callers and imports in other
    files included), so copies are distinct code that still links up, not duplicates."""
    for name in names:
        source = re.sub(rf"\b{name}\b", f"{name}_{suffix}", source)
    return source.replace("shop", f"shop_{suffix}")


def _generate(root: Path) -> int:
    files = sorted(CORPUS.rglob("*.py"))
    per_copy = sum(len(f.read_text().splitlines()) for f in files)
    copies = TARGET_LINES // per_copy + 1
    defined = {name for f in files for name in _DEF.findall(f.read_text())}
    names = {name for name in defined if not name.startswith("__")} - _LIBRARY_NAMES
    for index in range(copies):
        suffix = f"c{index}"
        for path in files:
            relative = path.relative_to(CORPUS).as_posix().replace("shop", f"shop_{suffix}")
            target = root / f"copy_{suffix}" / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(_renamed(path.read_text(), suffix, names))
    return copies


def _throughput() -> None:
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        copies = _generate(root)
        started = time.perf_counter()
        for path in root.rglob("*.py"):
            ast.parse(path.read_text())
        baseline = time.perf_counter() - started
        started = time.perf_counter()
        result = lint_paths([root], LintConfig(root=root))
        elapsed = time.perf_counter() - started
        print(f"generated tree: {copies} renamed copies of the corpus, {result.files} files")
        print(
            f"baseline, ast.parse only: {baseline:.2f} s = {result.lines / baseline:,.0f} lines/s; "
            f"full lint costs {elapsed / baseline:.1f}x parsing"
        )
        print(
            f"dynaguard lint (in process): {result.lines} lines in {elapsed:.2f} s "
            f"= {result.lines / elapsed:,.0f} lines/s, {len(result.findings)} findings"
        )
        corpus = len(lint_paths([CORPUS], LintConfig(root=CORPUS)).findings)
        print(
            f"each copy is found like the corpus: {copies} x {corpus} = {copies * corpus} "
            f"expected, {'same' if copies * corpus == len(result.findings) else 'DIFFERENT'}"
        )
        started = time.perf_counter()
        subprocess.run(
            [str(Path(sys.executable).parent / "dynaguard"), "lint", "--isolated", str(root)],
            capture_output=True,
            check=False,
        )
        wall = time.perf_counter() - started
        rate = result.lines / wall
        print(f"dynaguard lint (CLI, incl. start-up): {wall:.2f} s = {rate:,.0f} lines/s")


def _bandit() -> tuple[Counter[str], set[tuple[str, int]]]:
    bandit = Path(sys.executable).parent / "bandit"
    if not bandit.exists() and shutil.which("bandit") is None:
        print("bandit not installed; skipping the comparison")
        return Counter(), set()
    completed = subprocess.run(
        [str(bandit), "-r", str(CORPUS), "-f", "json", "-q"],
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(completed.stdout or "{}")
    per_file: Counter[str] = Counter()
    lines: set[tuple[str, int]] = set()
    for issue in report.get("results", []):
        name = Path(issue["filename"]).resolve().relative_to(CORPUS).as_posix()
        per_file[name] += 1
        lines.add((name, int(issue["line_number"])))
    return per_file, lines


def _startup(runs: int = 10) -> None:
    """Start-up: the console command on an empty file (what pre-commit pays on every commit)."""
    command = [str(Path(sys.executable).parent / "dynaguard"), "lint", "--isolated"]
    walls: list[float] = []
    with tempfile.TemporaryDirectory() as temp:
        empty = Path(temp) / "empty.py"
        empty.write_text("")
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run([*command, str(empty)], capture_output=True, check=False)
            walls.append(time.perf_counter() - started)
    print(
        f"start-up, dynaguard lint --isolated <empty file>, {runs} runs: median "
        f"{statistics.median(walls):.3f} s (min {min(walls):.3f} s, max {max(walls):.3f} s)"
    )


def _comparison() -> None:
    result = lint_paths([CORPUS], LintConfig(root=CORPUS))
    ours: Counter[str] = Counter()
    our_lines: set[tuple[str, int]] = set()
    for finding in result.findings:
        name = Path(finding.location.path).resolve().relative_to(CORPUS).as_posix()
        ours[name] += 1
        our_lines.add((name, finding.location.line))
    theirs, their_lines = _bandit()
    print()
    print(f"{'corpus file':42} {'bandit':>7} {'dynaguard':>10}")
    for name in sorted(
        {*ours, *theirs, *(p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*.py"))}
    ):
        print(f"{name:42} {theirs[name]:>7} {ours[name]:>10}")
    print(f"{'total':42} {sum(theirs.values()):>7} {sum(ours.values()):>10}")
    seed = (SEED_FILE, SEED_ROUTE_LINE)
    print()
    print(
        f"seed route GET /profiles/{{user_id}} ({SEED_FILE}:{SEED_ROUTE_LINE}): "
        f"bandit {'flags' if seed in their_lines else 'misses'} it, "
        f"dynaguard {'flags' if seed in our_lines else 'misses'} it"
    )
    print(f"lines flagged by both tools: {len(our_lines & their_lines)}")


if __name__ == "__main__":
    _startup()
    _throughput()
    _comparison()
