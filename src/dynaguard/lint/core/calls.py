"""Calls into the linted tree: which function a call reaches (a module function, a method of
`self`/`cls`, a nested function) and what its parameters receive."""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping

from dynaguard.lint.core.classes import method
from dynaguard.lint.core.names import call_name, resolve_callable
from dynaguard.lint.core.project import FunctionRef, Project
from dynaguard.lint.core.taint import CLEAN, Taint


def callee(
    project: Project, ref: FunctionRef, env: Mapping[str, Taint], func: ast.expr
) -> FunctionRef | None:
    """The tree function `func` names inside `ref` (whose locals are `env`), if any."""
    module = ref.module
    if (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id in ("self", "cls")
        and ref.owner is not None
    ):
        owner = env.get(func.value.id, CLEAN).cls or (module.name, ref.owner)
        return method(project, owner, func.attr)
    found = resolve_callable(project, module, func)
    if found is None and isinstance(func, ast.Name) and func.id in module.nested:
        found = FunctionRef(module, module.nested[func.id])
    return found


def arguments(
    target: FunctionRef,
    node: ast.Call,
    value: Callable[[ast.expr], Taint],
    env: Mapping[str, Taint],
) -> dict[str, Taint]:
    """`target`'s parameters bound to the values of `node`'s arguments (`value` gives an
    argument's); a method called on `self` gets the caller's `self` (`env`)."""
    bound = _bind(target, node, value)
    if (
        target.owner is not None
        and "self" in env
        and "self" not in bound
        and isinstance(node.func, ast.Attribute)
        and call_name(node.func.value) == "self"
    ):
        bound["self"] = env["self"]
    return bound


def _bind(
    target: FunctionRef, node: ast.Call, value: Callable[[ast.expr], Taint]
) -> dict[str, Taint]:
    args = target.node.args
    positional = [a.arg for a in [*args.posonlyargs, *args.args]]
    if target.owner is not None and positional and positional[0] in ("self", "cls"):
        positional = positional[1:]
    bound: dict[str, Taint] = {}
    for name, arg in zip(positional, node.args, strict=False):
        if not isinstance(arg, ast.Starred):
            bound[name] = value(arg)
    known = set(positional) | {a.arg for a in args.kwonlyargs}
    for keyword in node.keywords:
        if keyword.arg in known:
            bound[keyword.arg] = value(keyword.value)
    return bound
