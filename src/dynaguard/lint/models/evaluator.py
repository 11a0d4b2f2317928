"""What the models (boto3, PynamoDB sinks) and the pass's concept modules (`analysis/`) need
from the data-flow pass evaluating a function: its route state, where it is, its expressions'
taint and what it has tracked so far.

A protocol, so the models depend on this interface and the pass depends on the models, with no
import going back (`analysis.flow.FunctionFlow` is the implementation).
"""

from __future__ import annotations

import ast
from typing import Protocol

from dynaguard.lint.core.project import FunctionRef, Module
from dynaguard.lint.core.taint import Spread, Taint
from dynaguard.lint.models.route_state import RouteContext


class Evaluator(Protocol):
    """One function being evaluated for one route."""

    ctx: RouteContext
    ref: FunctionRef
    module: Module
    env: dict[str, Taint]
    """Local names and their values."""
    cache: dict[int, Taint]
    """Values of the expressions evaluated so far, by node id."""
    dicts: dict[str, dict[str, ast.expr]]
    """Dict literals bound to local names, by key."""
    key_set: dict[str, Taint]
    """Keys set on a local item after it was built (`item["id"] = ...`)."""
    scanned: bool
    read_ops: set[str]
    has_404: bool
    """Whether the function answers 404 somewhere."""
    texts: int
    """How many messages for people are being evaluated around the current node."""

    def expr(self, node: ast.expr) -> Taint:
        """Evaluate an expression (its facts are recorded once)."""
        ...

    def value(self, node: ast.expr) -> Taint:
        """The taint of an expression already evaluated."""
        ...

    def body_spread(self, source: Taint, options: list[ast.keyword]) -> Spread:
        """The whole request body as a dict (`body.model_dump(exclude=...)`)."""
        ...
