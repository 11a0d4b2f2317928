"""A static call graph: which functions of the tree a function calls, including methods of
objects whose class is known (annotated parameters, `self` attributes, constructions, globals).

The data-flow pass follows calls with taint; this graph answers yes/no questions that do not
need taint ("does this dependency, somewhere below, verify a token?") cheaply and once.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from dynaguard.lint.core.classes import (
    ClassKey,
    annotation_class,
    attribute_class,
    dependency_class,
    expression_class,
    find_class,
    method,
)
from dynaguard.lint.core.names import call_name, resolve_callable
from dynaguard.lint.core.project import FunctionRef, Project

_MAX_DEPTH = 5


def calls(project: Project, node: ast.AST) -> list[ast.Call]:
    """Every call in a function body, nested functions and lambdas included (closures run too);
    listed once per run."""
    return project.calls(node)


def receiver_name(call: ast.Call) -> str:
    """The name a method is called on: `jwt` in `jwt.decode(...)`, `jwt` in `jose.jwt.decode`."""
    if isinstance(call.func, ast.Attribute):
        return call_name(call.func.value)
    return ""


def _locals(project: Project, ref: FunctionRef) -> dict[str, ast.expr]:
    """Annotations and defaults of parameters, plus `x = expr` assignments, for class lookup
    (once per function and run)."""
    cache_key = ("locals", id(ref.node))
    cached = project.cache.get(cache_key)
    if isinstance(cached, dict):
        return cached
    found: dict[str, ast.expr] = {}
    args = ref.node.args
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    found.update({a.arg: a.annotation for a in every if a.annotation is not None})
    for arg, default in zip(reversed(args.args), reversed(args.defaults), strict=False):
        found.setdefault(arg.arg, default)
    for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        if kw_default is not None:
            found.setdefault(arg.arg, kw_default)
    for sub in project.nodes(ref.node):
        if isinstance(sub, ast.Assign) and len(sub.targets) == 1:
            target = sub.targets[0]
            if isinstance(target, ast.Name):
                found.setdefault(target.id, sub.value)
    project.cache[cache_key] = found
    return found


def object_class(project: Project, ref: FunctionRef, node: ast.expr) -> ClassKey | None:
    """The class of the object an expression in `ref` names, when the tree defines it."""
    if isinstance(node, ast.Name) and node.id in ("self", "cls") and ref.owner is not None:
        return (ref.module.name, ref.owner)
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
        and ref.owner is not None
    ):
        return attribute_class(project, (ref.module.name, ref.owner), node.attr)
    if isinstance(node, ast.Name):
        local = _locals(project, ref)
        if node.id in local:
            value = local[node.id]
            return (
                annotation_class(project, ref.module, value)
                or dependency_class(project, ref.module, value)
                or expression_class(project, ref.module, value, {})
            )
        return expression_class(project, ref.module, node, {}) or find_class(
            project, ref.module, node
        )
    return expression_class(project, ref.module, node, {})


def callees(project: Project, ref: FunctionRef) -> list[FunctionRef]:
    """Tree functions and methods `ref` calls, in source order, each once."""
    cache_key = ("callees", ref.key)
    cached = project.graph.get(cache_key)
    if cached is not None:
        return cached
    project.graph[cache_key] = []
    found: dict[tuple[object, ...], FunctionRef] = {}
    for call in calls(project, ref.node):
        target = resolve_callable(project, ref.module, call.func)
        if target is None and isinstance(call.func, ast.Attribute):
            owner = object_class(project, ref, call.func.value)
            target = method(project, owner, call.func.attr) if owner else None
        if target is None:
            constructed = find_class(project, ref.module, call.func)
            target = method(project, constructed, "__init__") if constructed else None
        if target is not None and target.key != ref.key:
            found.setdefault(target.key, target)
    result = list(found.values())
    project.graph[cache_key] = result
    return result


def reaches(
    project: Project,
    ref: FunctionRef,
    question: str,
    local: Callable[[FunctionRef], bool],
    depth: int = 0,
) -> bool:
    """Whether `local(f)` holds for `ref` or any function it (transitively) calls."""
    cache_key = (question, ref.key)
    if cache_key in project.memo:
        return project.memo[cache_key]
    project.memo[cache_key] = False
    answer = local(ref) or (
        depth < _MAX_DEPTH
        and any(reaches(project, c, question, local, depth + 1) for c in callees(project, ref))
    )
    project.memo[cache_key] = answer
    return answer
