"""Pure AST questions the data-flow pass asks about `if`, `raise` and `except` statements."""

from __future__ import annotations

import ast
import re

from dynaguard.lint.core.names import call_name
from dynaguard.lint.core.project import children, walk

_STATUS_NAME = re.compile(r"HTTP_(\d{3})")
_STATUS_WORDS = {"FORBIDDEN": 403, "NOT_FOUND": 404, "Forbidden": 403, "NotFound": 404}
_VALIDATORS = re.compile(
    r"^(fullmatch|match|isalnum|isdigit|isalpha|isdecimal|isidentifier|isascii)$"
    r"|valid|allowed|safe_id|is_item_id|is_id",
    re.IGNORECASE,
)


def terminates(body: list[ast.stmt]) -> bool:
    """True when a block always leaves the enclosing flow (raise/return/continue/break)."""
    return bool(body) and isinstance(body[-1], ast.Raise | ast.Return | ast.Continue | ast.Break)


def status_of(node: ast.Raise) -> int | None:
    """The HTTP status a `raise` produces, when it names one we can read."""
    if node.exc is None:
        return None
    for sub in walk(node.exc):
        if isinstance(sub, ast.Constant) and sub.value in (403, 404):
            return 403 if sub.value == 403 else 404
        name = sub.attr if isinstance(sub, ast.Attribute) else getattr(sub, "id", None)
        if isinstance(name, str):
            match = _STATUS_NAME.search(name)
            if match:
                return int(match.group(1))
            if name in _STATUS_WORDS:
                return _STATUS_WORDS[name]
    return None


def raises(body: list[ast.stmt], status: int) -> list[ast.Raise]:
    """`raise` statements in a block (not inside nested functions) with the given status."""
    found: list[ast.Raise] = []
    for stmt in body:
        for node in _walk_no_defs(stmt):
            if isinstance(node, ast.Raise) and status_of(node) == status:
                found.append(node)
    return found


def _walk_no_defs(node: ast.AST) -> list[ast.AST]:
    out: list[ast.AST] = []
    stack = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        for child in children(current):
            if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                stack.append(child)
    return out


def handles_condition_failure(handler: ast.ExceptHandler) -> bool:
    """An `except` for a failed condition: the modelled exception, or ClientError with its code."""
    if handler.type is None:
        return False
    names = {call_name(n) for n in walk(handler.type) if isinstance(n, ast.expr)}
    if any("ConditionalCheckFailed" in name for name in names):
        return True
    if "ClientError" in names:
        return any(
            isinstance(n, ast.Constant) and "ConditionalCheckFailed" in str(n.value)
            for stmt in handler.body
            for n in walk(stmt)
        )
    return False


def validated_names(test: ast.expr) -> list[ast.expr]:
    """Expressions an `if` test validates against the key delimiter (`'#' in x`, `re.fullmatch`)."""
    found: list[ast.expr] = []
    for node in walk(test):
        if isinstance(node, ast.Compare) and any(
            isinstance(op, ast.In | ast.NotIn) for op in node.ops
        ):
            sides = [node.left, *node.comparators]
            if any(isinstance(s, ast.Constant) and "#" in str(s.value) for s in sides):
                found += [s for s in sides if not isinstance(s, ast.Constant)]
        elif isinstance(node, ast.Call) and _VALIDATORS.search(call_name(node.func)):
            found += list(node.args)
            if isinstance(node.func, ast.Attribute):
                found.append(node.func.value)
    return found


def missing_checks(test: ast.expr) -> list[ast.expr]:
    """Operands of `not x` and `x is None` in a test: the branch also covers a missing item."""
    found: list[ast.expr] = []
    for node in walk(test):
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            found.append(node.operand)
        elif (
            isinstance(node, ast.Compare)
            and any(isinstance(op, ast.Is | ast.Eq) for op in node.ops)
            and any(isinstance(c, ast.Constant) and c.value is None for c in node.comparators)
        ):
            found.append(node.left)
    return found


def positive(test: ast.expr) -> bool:
    """True when the test reads as "is the owner" (`==`, `in`), so its body is the guarded path."""
    return any(
        isinstance(node, ast.Compare) and any(isinstance(op, ast.Eq | ast.In) for op in node.ops)
        for node in walk(test)
    ) and not isinstance(test, ast.UnaryOp)
