"""The data-flow pass for broken access control: the core's interpreter with the FastAPI and
DynamoDB models answering its hooks. Each concept lives in its own module: request bodies
(`bodies`), composite keys (`keys`), ownership checks (`ownership`), values known by name
(`known`); the sinks are the models' (`models.dynamodb.sinks`, `models.dynamodb.pynamo`)."""

from __future__ import annotations

import ast

from dynaguard.lint.analysis import bodies, keys, known, ownership
from dynaguard.lint.core.classes import ClassKey
from dynaguard.lint.core.interpreter import Interpreter
from dynaguard.lint.core.project import FunctionRef
from dynaguard.lint.core.taint import CLEAN, Spread, Taint
from dynaguard.lint.models.dynamodb import pynamo, sinks
from dynaguard.lint.models.dynamodb.calls import BOTO_KEYWORDS, operation
from dynaguard.lint.models.dynamodb.tables import is_table
from dynaguard.lint.models.facts import BypassFact
from dynaguard.lint.models.libraries import bypass
from dynaguard.lint.models.libraries.wrappers import unwrap
from dynaguard.lint.models.route_state import RouteContext

_TABLE_OPERATIONS = frozenset(
    {"scan", "get_item", "query", "put_item", "update_item", "delete_item"}
)


class FunctionFlow(Interpreter):
    """One function evaluated for one route, emitting facts."""

    def __init__(self, ctx: RouteContext, ref: FunctionRef, env: dict[str, Taint]) -> None:
        super().__init__(ctx, ref, env)
        self.ctx = ctx
        self.has_404 = ctx.has_404(ref.node)
        self.key_set: dict[str, Taint] = {}
        """Keys set on a local item after it was built (`item["id"] = ...`)."""
        self.scanned = False
        self.read_ops: set[str] = set()

    # hooks of the interpreter

    def enter(self) -> None:
        """Principal bypasses anywhere in the function, its signature included (DG111)."""
        for node, what in bypass.hazards(self.project, self.module, self.ref.node):
            where = self.ctx.where(self.module, node)
            self.ctx.facts.bypasses.append(BypassFact(where, self.ctx.route, what))

    def branch(self, node: ast.If) -> None:
        ownership.branch(self, node)

    def handler(self, node: ast.ExceptHandler) -> None:
        ownership.handler(self, node)

    def assign_into(self, target: ast.Subscript | ast.Attribute, value: Taint) -> None:
        bodies.assign_into(self, target, value)

    def known_attribute(self, node: ast.Attribute, base: Taint) -> Taint | None:
        return known.attribute(self, node, base)

    def rewrite(self, node: ast.Call) -> ast.Call:
        return unwrap(self.project, node)

    def modelled_call(self, node: ast.Call, receiver: Taint) -> Taint | None:
        return pynamo.handle(self, node, receiver)

    def sink(self, node: ast.Call) -> Taint | None:
        """A boto3/aioboto3 operation: recorded by the sink model."""
        op = operation(node)
        if op is None and _bare_table_call(node):
            op = self.table_call(node)
        return sinks.handle(self, node, op) if op is not None else None

    def is_message(self, name: str) -> bool:
        return name in known.MESSAGE_CALLS

    def known_call(
        self, node: ast.Call, name: str, receiver: Taint, args: list[Taint], joined: Taint
    ) -> Taint | None:
        if known.generates_key(node, name):
            return CLEAN
        returns_receiver = self.python_call(node, name, receiver, args)
        return known.library_call(self, node, name, receiver, args, joined, returns_receiver)

    def string(self, node: ast.expr, parts: list[ast.expr], joined_by_hash: bool) -> Taint:
        return keys.composite(self, node, parts, joined_by_hash)

    def concatenation(self, node: ast.BinOp, operands: list[ast.expr]) -> Taint:
        return keys.concatenation(self, node, operands)

    def dict_literal(self, node: ast.Dict) -> Taint:
        return bodies.dict_literal(self, node)

    def built(self, node: ast.Call, cls: ClassKey) -> Spread | None:
        return bodies.built(self, node, cls)

    # what the models ask of the pass

    def body_spread(self, source: Taint, options: list[ast.keyword]) -> Spread:
        return bodies.body_spread(self, source, options)

    def table_call(self, node: ast.Call) -> str | None:
        """`products.scan()`, `table.get_item(**params)` on a receiver traced to `Table(...)` or
        a DynamoDB client, or any `x.get_item(**params)` whose dict holds boto3's own keys
        (`{"TableName": ..., "Key": ...}`), whatever the receiver is called."""
        assert isinstance(node.func, ast.Attribute)
        for keyword in node.keywords:
            splat = keyword.value
            if isinstance(splat, ast.Name) and set(self.dicts.get(splat.id, {})) & BOTO_KEYWORDS:
                return node.func.attr
        ref = self.ref
        if is_table(self.project, self.module, ref.node, ref.owner, node.func.value):
            return node.func.attr
        return None


def _bare_table_call(node: ast.Call) -> bool:
    return (
        isinstance(node.func, ast.Attribute)
        and node.func.attr in _TABLE_OPERATIONS
        and not node.args
        and all(k.arg is None for k in node.keywords)
    )
