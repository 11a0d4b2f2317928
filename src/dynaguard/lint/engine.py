"""One lint run: discover, parse, index, analyse, apply rules, apply suppressions."""

from __future__ import annotations

import ast
import gc
from dataclasses import dataclass, field, replace
from pathlib import Path

from dynaguard.lint.analysis.routes import analyse
from dynaguard.lint.config import LintConfig
from dynaguard.lint.core.classes import index_classes
from dynaguard.lint.core.files import discover, dotted_name, import_root
from dynaguard.lint.core.model import Finding, Location, RouteRef
from dynaguard.lint.core.project import Module, Project
from dynaguard.lint.core.suppress import suppressions
from dynaguard.lint.models.facts import Facts
from dynaguard.lint.models.fastapi.outside import OutsideAuth, notes
from dynaguard.lint.models.fastapi.routes import INCLUDE
from dynaguard.lint.models.injection import FASTAPI
from dynaguard.lint.rules import BARE_SUPPRESSION, RULES
from dynaguard.lint.rules.severity import adjust


@dataclass
class LintResult:
    """Findings sorted by place; `warnings` name files that could not be read or parsed
    (skipped, the rest of the run goes on; JSON lists them under `errors`); `errors` is kept
    for callers and stays empty.
    `routes` and `dynamodb_calls` say what was examined, so a clean result shows its reach."""

    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    files: int = 0
    lines: int = 0
    routes: int = 0
    dynamodb_calls: int = 0
    notes: list[str] = field(default_factory=list)
    """One line per dependency from outside the tree that was judged by its name."""


def _display(path: Path, resolved: Path, cwd: Path) -> str:
    try:
        return resolved.relative_to(cwd).as_posix()
    except ValueError:
        return path.as_posix()


def _parse(path: Path, resolved: Path, root: Path, cwd: Path, result: LintResult) -> Module | None:
    display = _display(path, resolved, cwd)
    try:
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source, filename=display)
    except SyntaxError as error:
        where = f"{display}:{error.lineno or 1}:{error.offset or 1}"
        result.warnings.append(f"{where}: skipped, does not parse: {error.msg}")
        return None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        result.warnings.append(f"{display}: skipped, cannot read: {error}")
        return None
    lines = source.splitlines()
    result.lines += len(lines)
    name = dotted_name(resolved, root)
    return Module(name=name, path=path, display=display, tree=tree, lines=lines)


def lint_paths(paths: list[Path], config: LintConfig) -> LintResult:
    """Lint the files under `paths` together, so calls across them are followed.

    The cyclic garbage collector is paused for the run: every tree stays alive until the end
    anyway (ASTs hold no cycles), and with millions of live nodes each full collection re-walks
    them all, which cost about twice the parsing itself on a 200k-line tree."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _lint(paths, config)
    finally:
        if enabled:
            gc.enable()


def _lint(paths: list[Path], config: LintConfig) -> LintResult:
    result = LintResult()
    project = Project(injection=FASTAPI, collected_methods=frozenset({INCLUDE}))
    project.state(OutsideAuth).declared = config.auth
    files = discover(paths, config.root, config.exclude)
    root = import_root([real for _, real in files])
    cwd = Path.cwd().resolve()
    for path, real in files:
        module = _parse(path, real, root, cwd, result)
        if module is not None:
            project.add(module)
            result.files += 1
    index_classes(project)
    facts = analyse(project, config.public)
    result.notes = notes(project)
    result.routes = len(facts.routes)
    result.dynamodb_calls = (
        len(facts.reads) + len(facts.writes) + len(facts.scans) + len(facts.control_plane)
    )
    sites: dict[tuple[str, str, int, int], list[Finding]] = {}
    for rule_id, rule in RULES.items():
        if rule_id not in config.enabled:
            continue
        for finding in rule.check(facts):
            where = finding.location
            sites.setdefault((rule_id, where.path, where.line, where.column), []).append(
                adjust(finding, facts)
            )
    raw = [_one_per_site(found, facts) for found in sites.values()]
    result.findings = sorted(_suppress(raw, project, config), key=lambda f: f.sort_key)
    return result


def _one_per_site(found: list[Finding], facts: Facts) -> Finding:
    """A site several routes reach is one finding: at the most severe level any route gives
    it, worded for the first such route, with every route listed."""
    ordered = sorted(found, key=lambda f: (-f.level.rank, f.route or ""))
    first = ordered[0]
    labels = sorted({f.route for f in found if f.route})
    refs: list[RouteRef] = []
    for label in labels:
        fact = facts.route_fact(next(f.route for f in ordered if f.route == label))
        if fact is not None:
            refs.append(RouteRef(label, fact.where))
    message = first.message
    if len(labels) > 1:
        message = f"{message} (reached from {len(labels)} routes)"
    return replace(first, message=message, routes=tuple(refs))


def _suppress(findings: list[Finding], project: Project, config: LintConfig) -> list[Finding]:
    by_path = {m.display: suppressions(m.lines) for m in project.modules.values()}
    kept = [
        f
        for f in findings
        if f.rule.id not in by_path.get(f.location.path, {}).get(f.location.line, _NONE).ids
    ]
    if BARE_SUPPRESSION.id in config.enabled:
        for path, lines in by_path.items():
            for number, suppression in lines.items():
                if not suppression.reason:
                    kept.append(
                        Finding(
                            BARE_SUPPRESSION,
                            Location(path, number, suppression.column),
                            "suppression without a reason: "
                            f"ignore[{','.join(sorted(suppression.ids))}]",
                        )
                    )
    return kept


class _NoSuppression:
    ids: frozenset[str] = frozenset()


_NONE = _NoSuppression()
