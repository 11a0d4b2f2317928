"""Ownership checks written as Python: an `if` comparing a request value, or a field of an item
read by a request key, with the principal, then leaving; and the existence oracles around them
(403 for a foreign item, 404 for a missing one) (DG101, DG103, DG109)."""

from __future__ import annotations

import ast

from dynaguard.lint.core.project import walk
from dynaguard.lint.core.taint import Taint
from dynaguard.lint.models.evaluator import Evaluator
from dynaguard.lint.models.facts import OracleFact
from dynaguard.lint.models.fastapi import responses


def branch(flow: Evaluator, node: ast.If) -> None:
    """After an `if`'s test: an ownership check when it leaves (or tests equality), and the
    names a leaving test validated are delimiter-safe from here on."""
    leaves = responses.terminates(node.body)
    if leaves or responses.positive(node.test):
        check(flow, node)
    if leaves:
        for validated in responses.validated_names(node.test):
            flow.ctx.delim_ok |= flow.value(validated).origins


def check(flow: Evaluator, node: ast.If) -> None:
    """An `if` comparing a request value or a read item with the principal."""
    for sub in walk(node.test):
        if isinstance(sub, ast.Compare):
            sides = [sub.left, *sub.comparators]
        elif isinstance(sub, ast.Call):
            sides = [*sub.args, *(k.value for k in sub.keywords)]
        else:
            continue
        values = [flow.value(side) for side in sides]
        if not any(v.principal and not v.origins and not v.reads for v in values):
            continue
        for value in values:
            if value.principal and not value.reads:
                continue
            if value.reads:
                mark_checked(flow, value, node)
            else:
                flow.ctx.verified |= value.origins


def mark_checked(flow: Evaluator, value: Taint, node: ast.If) -> None:
    """The items behind `value` were compared with the principal; a 403 for them beside a
    404 elsewhere is an oracle."""
    for read_id in value.reads:
        fact = flow.ctx.reads[read_id]
        fact.checked = True
        flow.ctx.item_checked |= fact.key_origins
    missing = any(flow.value(m).reads & value.reads for m in responses.missing_checks(node.test))
    if flow.has_404 and not missing:
        for forbidden in responses.raises(node.body, 403):
            oracle(flow, forbidden, "403 for a foreign item, 404 for a missing one")


def handler(flow: Evaluator, node: ast.ExceptHandler) -> None:
    """A failed write condition answered 403 while a missing item is 404: an oracle."""
    if responses.handles_condition_failure(node):
        forbidden = responses.raises(node.body, 403)
        if forbidden and (flow.has_404 or responses.raises(node.body, 404)):
            for raise_node in forbidden:
                oracle(flow, raise_node, "condition failure answered 403, missing 404")


def oracle(flow: Evaluator, node: ast.stmt | ast.expr, kind: str) -> None:
    where = flow.ctx.where(flow.module, node)
    flow.ctx.facts.oracles.append(OracleFact(where, flow.ctx.route, kind))
