"""Shapes of Python literals the data-flow pass and the models read: dict entries, `+` chains,
name collections, an expression's children."""

from __future__ import annotations

import ast


def dict_entries(node: ast.expr | None) -> dict[str, ast.expr]:
    """String-keyed entries of a dict literal, e.g. a transaction element's `Update` body."""
    if not isinstance(node, ast.Dict):
        return {}
    return {
        key.value: value
        for key, value in zip(node.keys, node.values, strict=True)
        if isinstance(key, ast.Constant) and isinstance(key.value, str)
    }


def flatten_add(node: ast.expr) -> list[ast.expr]:
    """The operands of `a + b + c`, in order."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [*flatten_add(node.left), *flatten_add(node.right)]
    return [node]


def literal_names(node: ast.expr) -> frozenset[str]:
    """The constant names a set, list, tuple or dict literal holds (`exclude={"owner_id"}`)."""
    if isinstance(node, ast.Set | ast.List | ast.Tuple):
        return frozenset(str(e.value) for e in node.elts if isinstance(e, ast.Constant))
    if isinstance(node, ast.Dict):
        return frozenset(str(k.value) for k in node.keys if isinstance(k, ast.Constant))
    return frozenset()


def children(node: ast.expr) -> list[ast.expr]:
    """An expression's sub-expressions, an f-string's formatted values unwrapped."""
    return [
        child.value if isinstance(child, ast.FormattedValue) else child
        for child in ast.iter_child_nodes(node)
        if isinstance(child, ast.expr)
    ]


def yields(node: ast.expr) -> bool:
    """`yield x`, `yield from x`, `await (yield x)`: the value a generator hands out."""
    return isinstance(node, ast.Yield | ast.YieldFrom) or (
        isinstance(node, ast.Await) and isinstance(node.value, ast.Yield)
    )
