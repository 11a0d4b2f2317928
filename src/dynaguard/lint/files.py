"""Which files a run covers: explicit files always, directories walked minus `exclude` globs."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from pathlib import Path

from dynaguard.lint.model import LintUsageError

_SKIP_DIRS = frozenset(
    {".git", ".venv", "venv", "__pycache__", ".mypy_cache", ".ruff_cache", "node_modules", ".tox"}
)


def _excluded(path: Path, root: Path, patterns: Iterable[str]) -> bool:
    try:
        relative = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        relative = path.as_posix()
    return any(
        fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(relative + "/", pattern)
        for pattern in patterns
    )


def discover(paths: list[Path], root: Path, exclude: tuple[str, ...]) -> list[Path]:
    """Python files under `paths`, sorted and de-duplicated; a missing path is a usage error."""
    found: dict[Path, None] = {}
    for path in paths:
        if not path.exists():
            raise LintUsageError(f"{path}: no such file or directory")
        if path.is_file():
            found[path] = None
            continue
        for candidate in sorted(path.rglob("*.py")):
            parts = set(candidate.relative_to(path).parts[:-1])
            if parts & _SKIP_DIRS or _excluded(candidate, root, exclude):
                continue
            found[candidate] = None
    return list(found)
