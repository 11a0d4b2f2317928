"""`#`-delimited composite keys built in code (f-strings, `+`, `"#".join`, `.format`): a request
segment followed by another delimiter must be delimiter-safe, or the client can shift segment
boundaries (`a#DOC#b`) (DG108)."""

from __future__ import annotations

import ast
import re

from dynaguard.lint.core.taint import Taint, join_all
from dynaguard.lint.models.evaluator import Evaluator
from dynaguard.lint.models.facts import CompositeKeyFact

_DELIMITER = re.compile(r"\w#|#$")


def composite(
    flow: Evaluator, node: ast.expr, ordered: list[ast.expr], joined_by_hash: bool
) -> Taint:
    """A string of `ordered` parts; a request segment followed by a delimiter that is not
    delimiter-safe is recorded (not in messages for people: an exception's f-string is text)."""
    values = [flow.expr(part) for part in ordered]
    unsafe: set[str] = set()
    for index, (part, value) in enumerate(zip(ordered, values, strict=True)):
        if isinstance(part, ast.Constant):
            continue
        later = ordered[index + 1 :]
        followed = (joined_by_hash and bool(later)) or any(
            isinstance(p, ast.Constant) and delimits(p) for p in later
        )
        origins, _ = flow.ctx.effective(value)
        if followed and not value.delim_safe:
            unsafe |= origins - flow.ctx.delim_ok
    if unsafe and not flow.texts:
        where = flow.ctx.where(flow.module, node)
        flow.ctx.facts.composites.append(CompositeKeyFact(where, flow.ctx.route, frozenset(unsafe)))
    return join_all([v.plain() for v in values])


def concatenation(flow: Evaluator, node: ast.BinOp, operands: list[ast.expr]) -> Taint:
    """`"ORG#" + org + "#USER#" + sub` is a composite key; a `+` with no delimiter is not."""
    if any(isinstance(o, ast.Constant) and delimits(o) for o in operands):
        return composite(flow, node, operands, joined_by_hash=False)
    return join_all([flow.expr(o) for o in operands]).plain()


def joined(flow: Evaluator, node: ast.Call, name: str) -> Taint | None:
    """`"#".join([...])` and `"{}#{}".format(...)`: a key joined by the delimiter; else None."""
    if name == "join" and has_hash(node.func):
        sequence = node.args[0] if node.args else None
        if isinstance(sequence, ast.List | ast.Tuple):
            return composite(flow, node, list(sequence.elts), joined_by_hash=True)
        return composite(flow, node, [*node.args, *node.args], joined_by_hash=True)
    if name == "format" and has_hash(node.func):
        values = [*node.args, *(k.value for k in node.keywords)]
        return composite(flow, node, [*values, *values], joined_by_hash=True)
    return None


def delimits(node: ast.Constant) -> bool:
    """`ORG#`, `#USER#`, a bare `#`: a key delimiter, unlike a `#name` attribute placeholder."""
    return isinstance(node.value, str) and bool(_DELIMITER.search(node.value))


def has_hash(func: ast.expr) -> bool:
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Constant)
        and delimits(func.value)
    )
