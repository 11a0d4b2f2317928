"""Dependencies whose source lint cannot read: known auth libraries, declared ones, the rest.

A `Depends(x)` whose target comes from outside the linted tree is traced to the dotted name it
was imported as (through module-level objects: `current_active_user =
fastapi_users.current_user(active=True)` in another file of the tree leads to `fastapi_users`).
A name from a known authentication library (`libcalls.AUTH_PACKAGES`) authenticates; so does a
name the project declares (`[tool.dynaguard.lint] auth = [...]`). Anything else that is not a
known non-auth library is **unresolved**: judged by its name (`require_login`, `get_current_user`
authenticate; `get_db` does not) and reported once as a note, so linting one folder of a project
does not turn every route into DG105.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from dynaguard.lint.core.project import Module, Project
from dynaguard.lint.models.libraries import libcalls

_MAX_HOPS = 6


@dataclass
class OutsideAuth:
    """The run's dependencies from outside the tree: those the configuration declares as
    authentication (dotted or bare names), and those judged by name with the verdict."""

    declared: tuple[str, ...] = ()
    unresolved: dict[str, bool] = field(default_factory=dict)


def origin(project: Project, module: Module, node: ast.expr, hops: int = 0) -> str | None:
    """The dotted name outside the tree an expression comes from, or None (tree code, a
    literal, or too far)."""
    if hops > _MAX_HOPS:
        return None
    if isinstance(node, ast.Call):
        return origin(project, module, node.func, hops)
    if isinstance(node, ast.Subscript):
        return origin(project, module, node.value, hops)
    if isinstance(node, ast.Attribute):
        base = origin(project, module, node.value, hops)
        return f"{base}.{node.attr}" if base else None
    if not isinstance(node, ast.Name):
        return None
    if node.id in module.globals and node.id not in module.functions:
        value = module.globals[node.id]
        return origin(project, module, value, hops + 1) if value is not node else None
    if node.id not in module.imports:
        return None
    source, attr = module.imports[node.id]
    target = project.find_module(source, module.name) if source else None
    if target is None and attr is None:
        return source
    if target is None:
        if project.find_module(f"{source}.{attr}", module.name) is not None:
            return None
        return f"{source}.{attr}"
    if attr is not None and attr in target.globals and target is not module:
        return origin(project, target, ast.Name(id=attr), hops + 1)
    return None


def judge(
    project: Project, module: Module, target: ast.expr, note_negative: bool = True
) -> bool | None:
    """Whether an outside dependency authenticates; None when it is not from outside. A name
    judged by its wording is noted (unless it is judged not to be authentication and
    `note_negative` is off: a body model's type imported from elsewhere is no news)."""
    dotted = origin(project, module, target)
    if dotted is None:
        return None
    parts = dotted.split(".")
    if parts[0] in libcalls.AUTH_PACKAGES:
        return True
    if any(_declared(dotted, name) for name in project.state(OutsideAuth).declared):
        return True
    if parts[0] in libcalls.NOT_AUTH_PACKAGES:
        return False
    verdict = bool(libcalls.AUTH_NAMES.search(parts[-1]))
    if verdict or note_negative:
        project.state(OutsideAuth).unresolved.setdefault(dotted, verdict)
    return verdict


def _declared(dotted: str, name: str) -> bool:
    """`app.auth.require_login` declared as `app.auth.require_login` or `require_login`."""
    return dotted == name or dotted.endswith(f".{name}")


def notes(project: Project) -> list[str]:
    """One line per unresolved dependency of the run, sorted."""
    found: list[str] = []
    for dotted, verdict in sorted(project.state(OutsideAuth).unresolved.items()):
        judged = "authentication" if verdict else "not authentication"
        found.append(
            f"`{dotted}` is outside the linted tree; judged by its name as {judged}; "
            "declare it with `[tool.dynaguard.lint] auth = [...]` to confirm"
        )
    return found


def admin(project: Project, module: Module, target: ast.expr) -> bool:
    """An outside authentication dependency that admits admins only: named so
    (`current_superuser`) or built with `superuser=True` (fastapi-users)."""
    if not judge(project, module, target):
        return False
    node: ast.expr | None = target
    for _ in range(_MAX_HOPS):
        if node is None:
            return False
        if isinstance(node, ast.Call):
            if any(
                k.arg in ("superuser", "admin", "is_superuser")
                and isinstance(k.value, ast.Constant)
                and k.value.value is True
                for k in node.keywords
            ):
                return True
            node = node.func
            continue
        if isinstance(node, ast.Name):
            if libcalls.ADMIN_VALUES.search(node.id):
                return True
            node, module = _global(project, module, node.id)
            continue
        return isinstance(node, ast.Attribute) and bool(libcalls.ADMIN_VALUES.search(node.attr))
    return False


def _global(project: Project, module: Module, name: str) -> tuple[ast.expr | None, Module]:
    if name in module.globals:
        return module.globals[name], module
    if name in module.imports:
        source, attr = module.imports[name]
        target = project.find_module(source, module.name)
        if target is not None and attr is not None and attr in target.globals:
            return target.globals[attr], target
    return None, module


def project_alias(project: Project, module: Module, name: str) -> bool:
    """A parameter type imported from a module of the project that is not in the linted tree
    (`from app.deps import LoggedInUser` while linting `app/routes/`): an `Annotated` alias
    lint cannot read. Judged by its name like a dependency, and noted once."""
    if name not in module.imports or name in module.classes:
        return False
    source, attr = module.imports[name]
    if attr is None or not source or project.find_module(source, module.name) is not None:
        return False
    if source.split(".")[0] not in _tree_packages(project):
        return False
    return bool(judge(project, module, ast.Name(id=name), note_negative=False))


def _tree_packages(project: Project) -> frozenset[str]:
    """Every package name in the tree's module names (`app` of `app.routes.items`, at any
    depth: the tree may be rooted above the project)."""
    key = ("tree-packages",)
    cached = project.cache.get(key)
    if not isinstance(cached, frozenset):
        cached = frozenset(part for name in project.modules for part in name.split(".")[:-1])
        project.cache[key] = cached
    return cached
