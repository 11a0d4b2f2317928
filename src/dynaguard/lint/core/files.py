"""Which files a run covers: explicit files always, directories walked minus `exclude` globs.

Files come back sorted by resolved path and named as Python would import them from one common
root, so the same files given in any order are the same project.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable
from pathlib import Path

from dynaguard.lint.core.model import LintUsageError

_SKIP_DIRS = frozenset(
    {".git", ".venv", "venv", "__pycache__", ".mypy_cache", ".ruff_cache", "node_modules", ".tox"}
)


def excluded_by(path: Path, root: Path, patterns: Iterable[str]) -> str | None:
    """The first `exclude` pattern that matches `path` (relative to `root`), if any."""
    if not patterns:
        return None
    try:
        relative = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        relative = path.as_posix()
    for pattern in patterns:
        if fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(relative + "/", pattern):
            return pattern
    return None


def discover(paths: list[Path], root: Path, exclude: tuple[str, ...]) -> list[tuple[Path, Path]]:
    """Python files under `paths`, each with its resolved path (resolved once), sorted by it and
    de-duplicated. A missing path, or a directory that is itself excluded, is a usage error:
    linting it would silently check nothing."""
    found: dict[Path, None] = {}
    for path in paths:
        if not path.exists():
            raise LintUsageError(f"{path}: no such file or directory")
        if path.is_file():
            found[path] = None
            continue
        pattern = excluded_by(path, root, exclude)
        if pattern is not None:
            raise LintUsageError(
                f"{path}: excluded by the exclude pattern {pattern!r}; "
                "pass its files explicitly or change --exclude / [tool.dynaguard.lint] exclude"
            )
        for candidate in path.rglob("*.py"):
            parts = set(candidate.relative_to(path).parts[:-1])
            if parts & _SKIP_DIRS or excluded_by(candidate, root, exclude):
                continue
            found[candidate] = None
    folders: dict[Path, str] = {}
    pairs = [(path, _resolved(path, folders)) for path in found]
    return sorted(pairs, key=lambda pair: pair[1].as_posix())


def _resolved(path: Path, folders: dict[Path, str]) -> Path:
    """`path.resolve()`, each folder resolved once per run (`folders`): the folder's real path
    joined with the name, unless the file itself is a symbolic link."""
    folder = folders.get(path.parent)
    if folder is None:
        folder = folders[path.parent] = os.path.realpath(path.parent)
    joined = os.path.join(folder, path.name)
    return Path(os.path.realpath(joined) if os.path.islink(joined) else joined)


def import_root(files: list[Path]) -> Path:
    """The directory modules are named from: the files' (resolved) common folder, climbed while
    it is a package (has `__init__.py`), so `src/pkg/a.py` is `pkg.a` and a namespace folder
    keeps its folders in the name instead of colliding on the file's stem."""
    if not files:
        return Path.cwd()
    common = Path(os.path.commonpath({str(f.parent) for f in files}))
    while (common / "__init__.py").is_file() and common.parent != common:
        common = common.parent
    return common


def dotted_name(path: Path, root: Path) -> str:
    """`root/a/b/c.py` → `a.b.c`; `root/a/__init__.py` → `a` (`path` resolved)."""
    relative = path.relative_to(root)
    parts = list(relative.parts[:-1])
    if relative.stem != "__init__":
        parts.append(relative.stem)
    return ".".join(parts) or root.name
