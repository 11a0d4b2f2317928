"""Names in code: what a call is called, and which function of the tree a reference is.

Generic: knows neither FastAPI nor DynamoDB.
"""

from __future__ import annotations

import ast

from dynaguard.lint.core.project import FunctionRef, Module, Project


def call_name(node: ast.expr) -> str:
    """The last dotted component a call or reference goes by (`a.b.c(...)` → `c`)."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def resolve_callable(project: Project, module: Module, node: ast.expr) -> FunctionRef | None:
    """The tree's function behind a reference like `f` or `mod.f`, if any."""
    if isinstance(node, ast.Name):
        found = project.resolve_name(module, node.id)
        return found if isinstance(found, FunctionRef) else None
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        target = project.resolve_name(module, node.value.id)
        if isinstance(target, Module) and node.attr in target.functions:
            return FunctionRef(target, target.functions[node.attr])
    return None


def factory_product(
    project: Project, module: Module, call: ast.Call, depth: int = 0
) -> FunctionRef | None:
    """`owned_by_caller(ITEMS)`: the function a factory call returns, when the factory returns
    a function it defines (directly, or through another factory it calls)."""
    factory = resolve_callable(project, module, call.func)
    if factory is None or depth > 3:
        return None
    nested = {
        n.name: n
        for n in project.nodes(factory.node)[1:]
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    for stmt in project.nodes(factory.node):
        if not isinstance(stmt, ast.Return) or stmt.value is None:
            continue
        if isinstance(stmt.value, ast.Name) and stmt.value.id in nested:
            return FunctionRef(factory.module, nested[stmt.value.id])
        if isinstance(stmt.value, ast.Call):
            found = factory_product(project, factory.module, stmt.value, depth + 1)
            if found is not None:
                return found
    return None
