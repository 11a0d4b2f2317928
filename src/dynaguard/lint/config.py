"""`[tool.dynaguard.lint]` from the nearest pyproject.toml; command-line flags win over it."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from dynaguard.lint.core.model import LintUsageError, Severity
from dynaguard.lint.rules import ALL_IDS

_KEYS = frozenset({"select", "ignore", "fail-on", "exclude", "public", "auth"})


@dataclass(frozen=True)
class LintConfig:
    """Effective settings; `root` anchors `exclude` globs (the pyproject's directory)."""

    select: frozenset[str] = ALL_IDS
    ignore: frozenset[str] = frozenset()
    fail_on: Severity = Severity.WARNING
    exclude: tuple[str, ...] = ()
    root: Path = field(default_factory=Path.cwd)
    public: tuple[str, ...] = ()
    """`METHOD /path` globs of routes whose reads are public by design (reported as info)."""
    auth: tuple[str, ...] = ()
    """Dependencies outside the linted tree declared as authentication (`app.auth.require_login`
    or a bare `require_login`)."""

    @property
    def enabled(self) -> frozenset[str]:
        return self.select - self.ignore


def rule_ids(values: list[str], where: str) -> frozenset[str]:
    """Validate rule ids (comma lists allowed); an unknown id is a usage error."""
    ids = {part.strip().upper() for value in values for part in value.split(",") if part.strip()}
    unknown = sorted(ids - ALL_IDS)
    if unknown:
        raise LintUsageError(f"{where}: unknown rule id {', '.join(unknown)}")
    return frozenset(ids)


def fail_level(value: str, where: str) -> Severity:
    try:
        return Severity(value.lower())
    except ValueError:
        raise LintUsageError(
            f"{where}: fail-on must be 'error', 'warning' or 'info', not {value!r}"
        ) from None


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above `start`."""
    here = start.resolve()
    for directory in [here, *here.parents] if here.is_dir() else list(here.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def _strings(table: dict[str, object], key: str, where: str) -> list[str] | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [str(v) for v in value]
    raise LintUsageError(f"{where}: {key} must be a list of strings")


def load_config(pyproject: Path | None) -> LintConfig:
    """Read the table; a malformed file or unknown key is a usage error, not a silent default."""
    if pyproject is None:
        return LintConfig()
    where = f"{pyproject} [tool.dynaguard.lint]"
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise LintUsageError(f"{pyproject}: cannot read: {error}") from None
    table = data.get("tool", {}).get("dynaguard", {}).get("lint", {})
    if not isinstance(table, dict):
        raise LintUsageError(f"{where}: must be a table")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise LintUsageError(f"{where}: unknown key {', '.join(unknown)}")
    select = _strings(table, "select", where)
    ignore = _strings(table, "ignore", where)
    fail_on = table.get("fail-on", "warning")
    if not isinstance(fail_on, str):
        raise LintUsageError(f"{where}: fail-on must be a string")
    return LintConfig(
        select=rule_ids(select, where) if select is not None else ALL_IDS,
        ignore=rule_ids(ignore, where) if ignore is not None else frozenset(),
        fail_on=fail_level(fail_on, where),
        exclude=tuple(_strings(table, "exclude", where) or ()),
        root=pyproject.parent,
        public=_public(_strings(table, "public", where) or [], where),
        auth=tuple(_strings(table, "auth", where) or ()),
    )


def _public(patterns: list[str], where: str) -> tuple[str, ...]:
    """Each pattern is `METHOD /path-glob`, e.g. `GET /products/*`; anything else is an error."""
    for pattern in patterns:
        method, _, path = pattern.partition(" ")
        if not method or not path.startswith("/") or method.upper() != method:
            raise LintUsageError(
                f"{where}: public pattern {pattern!r} must look like 'GET /products/*'"
            )
    return tuple(patterns)
