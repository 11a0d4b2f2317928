"""Per-route state of the data-flow pass, shared by the handler and every helper it calls."""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field

from dynaguard.lint.core.model import Location
from dynaguard.lint.core.project import FunctionRef, Module, Project
from dynaguard.lint.core.taint import CLEAN, Taint
from dynaguard.lint.models.dynamodb.tables import TableRef
from dynaguard.lint.models.facts import Facts, ReadFact
from dynaguard.lint.models.fastapi.responses import raises, status_of

MAX_DEPTH = 8
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


@dataclass
class RouteContext:
    """What one route has established so far: which request values equal the principal,
    which passed delimiter validation, which items were ownership-checked."""

    project: Project
    route: str
    facts: Facts
    evaluate: Callable[[RouteContext, FunctionRef, dict[str, Taint]], Taint]
    """Runs the data-flow pass over a helper (given by the analysis, so this module needs no
    import of the pass itself)."""
    reads: dict[int, ReadFact] = field(default_factory=dict)
    verified: set[str] = field(default_factory=set)
    delim_ok: set[str] = field(default_factory=set)
    item_checked: set[str] = field(default_factory=set)
    memo: dict[tuple[object, ...], Taint] = field(default_factory=dict)
    stack: list[tuple[str, str | None, str, int]] = field(default_factory=list)
    touched_dynamodb: bool = False
    principal_seen: bool = False
    admin_seen: bool = False
    wrote: bool = False
    accesses: list[tuple[TableRef, str]] = field(default_factory=list)
    """Every DynamoDB call's table and kind (`read`, `create`, `write`, `control`)."""

    def access(self, table: TableRef, kind: str, owned: bool) -> None:
        """Record a call on `table` and whether it shows the table's items have an owner."""
        self.accesses.append((table, kind))
        self.facts.ownership.record(table, owned)

    def use(self, value: Taint) -> None:
        """The items behind `value` leave the route (returned or written): they are disclosed."""
        for read_id in value.reads:
            self.reads[read_id].used = True

    def has_404(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        """Whether a function answers 404 somewhere (cached on the project: asked per call)."""
        key = ("answers 404", id(node))
        cache = self.project.memo
        if key not in cache:
            cache[key] = self.project.may_raise(node) and self._raises_404(node)
        return cache[key]

    def _raises_404(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        """`raises(node.body, 404)`; without nested functions or lambdas (whose raises it skips)
        that is any `raise` of the function's cached walk."""
        nodes = self.project.nodes(node)
        if any(isinstance(sub, _NESTED) for sub in nodes[1:]):
            return bool(raises(node.body, 404))
        return any(isinstance(sub, ast.Raise) and status_of(sub) == 404 for sub in nodes)

    def where(self, module: Module, node: ast.expr | ast.stmt) -> Location:
        return Location(module.display, node.lineno, node.col_offset + 1)

    def effective(self, value: Taint) -> tuple[frozenset[str], bool]:
        """Request origins still untrusted, and whether the value carries the principal."""
        origins = value.origins - self.verified
        return origins, value.principal or origins != value.origins

    def from_request(self, value: Taint) -> bool:
        """A key is the client's choice when it has untrusted origins and no principal part."""
        origins, principal = self.effective(value)
        return bool(origins) and not principal

    def new_read(self, fact: ReadFact) -> int:
        read_id = len(self.reads) + 1
        self.reads[read_id] = fact
        return read_id

    def call(self, ref: FunctionRef, env: dict[str, Taint]) -> Taint:
        """Analyse a helper with its arguments' taint; memoised per argument pattern."""
        key = (ref.key, tuple(sorted(env.items(), key=lambda kv: kv[0])), ref.owner)
        if key in self.memo:
            return self.memo[key]
        if ref.key in self.stack or len(self.stack) >= MAX_DEPTH:
            result = CLEAN
            for value in env.values():
                result = result.join(value.plain())
            return result
        self.stack.append(ref.key)
        try:
            result = self.evaluate(self, ref, env)
        finally:
            self.stack.pop()
        self.memo[key] = result
        return result
