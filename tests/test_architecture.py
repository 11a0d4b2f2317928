"""The design's boundaries, checked on the source: route code cannot reach the raw client, the store
knows nothing of FastAPI, only the key schema builds keys, and the proof tools depend on nothing
of the service they examine."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "dynaguard"


def _modules(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def _offending(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _modules(folder)
        for name in sorted(_imports(path))
        if name.startswith(forbidden)
    ]


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("api", ("boto3", "botocore", "dynaguard.store._engine", "dynaguard.store.connection")),
        ("store", ("fastapi", "starlette", "dynaguard.api", "dynaguard.auth")),
        ("probe", ("dynaguard.api", "dynaguard.store", "dynaguard.auth")),
        ("lint", ("dynaguard.api", "dynaguard.store", "dynaguard.auth")),
    ],
)
def test_dependency_boundaries(folder: str, forbidden: tuple[str, ...]) -> None:
    assert _modules(folder), f"no modules under {folder}"
    assert _offending(folder, forbidden) == []


def _delimited_fstrings(path: Path) -> list[int]:
    """Lines of f-strings that join a formatted value to a `#` (the key delimiter)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.JoinedStr):
            continue
        parts = node.values
        for index, part in enumerate(parts):
            if not (isinstance(part, ast.Constant) and isinstance(part.value, str)):
                continue
            text = part.value
            after_value = index > 0 and isinstance(parts[index - 1], ast.FormattedValue)
            before_value = index + 1 < len(parts) and isinstance(
                parts[index + 1], ast.FormattedValue
            )
            if (after_value and text.startswith("#")) or (before_value and text.endswith("#")):
                lines.append(node.lineno)
    return lines


def test_only_the_key_schema_builds_keys() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): _delimited_fstrings(path)
        for folder in ("store", "api")
        for path in _modules(folder)
        if path.name != "keys.py"
    }
    assert {name: lines for name, lines in offenders.items() if lines} == {}
    assert _delimited_fstrings(PACKAGE / "store" / "keys.py"), "the check finds key f-strings"
