"""Turn a recognised DynamoDB call into facts: key and condition provenance, cursors, scans."""

from __future__ import annotations

import ast
import re

from dynaguard.lint.core.project import walk
from dynaguard.lint.core.taint import CLEAN, Spread, Taint, join_all
from dynaguard.lint.models.dynamodb.bootstrap import guarded_create
from dynaguard.lint.models.dynamodb.calls import (
    KEY_ATTRIBUTES,
    OWNERSHIP_FIELDS,
    READS,
    SCAN,
    TRANSACT_WRITE,
    WRITES,
    creates_only,
    dict_entries,
    item_key_entries,
    keywords,
    referenced_values,
    server_keyed,
)
from dynaguard.lint.models.dynamodb.tables import (
    TableRef,
    name_of,
    owner_like,
    receiver_name,
    scope_of,
)
from dynaguard.lint.models.evaluator import Evaluator
from dynaguard.lint.models.facts import (
    ControlPlaneFact,
    CursorFact,
    MassAssignFact,
    OracleFact,
    ReadFact,
    ScanFact,
    WriteFact,
)

_READ_KEYS = {
    "get_item": ("Key",),
    "batch_get_item": ("RequestItems",),
    "transact_get_items": ("TransactItems",),
    "query": ("KeyConditionExpression", "KeyConditions"),
}
_TRANSACT_KINDS = {"Put": "put_item", "Update": "update_item", "Delete": "delete_item"}
_ASSIGNMENT = re.compile(r"([#A-Za-z_][A-Za-z0-9_]*)\s*=\s*(:[A-Za-z0-9_]+)")
OWNER_ONLY = OWNERSHIP_FIELDS - KEY_ATTRIBUTES


def handle(flow: Evaluator, node: ast.Call, op: str) -> Taint:
    """Evaluate the call's arguments, record what it does, return the response's taint."""
    flow.ctx.touched_dynamodb = True
    for arg in node.args:
        flow.expr(arg)
    named = keywords(node)
    for value in named.values():
        flow.expr(value)
    for splat in (k.value for k in node.keywords if k.arg is None):
        flow.expr(splat)
        if isinstance(splat, ast.Name):
            named = {**flow.dicts.get(splat.id, {}), **named}
    _cursor(flow, named)
    where = flow.ctx.where(flow.module, node)
    table = _table(flow, node, named)
    owned = _shows_owner(flow, named)
    if op not in READS and op not in WRITES and op not in (SCAN, TRANSACT_WRITE):
        fixed = not any(flow.ctx.from_request(flow.value(v)) for v in _arguments(node))
        bootstrap = (
            op == "create_table" and fixed and guarded_create(flow.ctx.project, flow.ref.node, node)
        )
        if not bootstrap:
            flow.ctx.access(table, "control", owned)
            flow.ctx.wrote = True
        flow.ctx.facts.control_plane.append(ControlPlaneFact(where, flow.ctx.route, op, bootstrap))
        return CLEAN
    continuation = "ExclusiveStartKey" in named
    if op == SCAN:
        if continuation and flow.scanned:
            return CLEAN
        flow.scanned = True
        condition = _condition(flow, named, "FilterExpression")
        flow.ctx.access(table, "read", owned or condition.principal)
        flow.ctx.facts.scans.append(ScanFact(where, flow.ctx.route, condition.principal, table))
        return CLEAN
    if op in READS:
        if continuation and op in flow.read_ops:
            return CLEAN
        flow.read_ops.add(op)
        return _read(flow, node, op, named, table, owned)
    if op in WRITES:
        _write(flow, node, op, named, table, owned)
    elif op == TRANSACT_WRITE:
        elements = named.get("TransactItems")
        for element in elements.elts if isinstance(elements, ast.List | ast.Tuple) else []:
            for kind, body in dict_entries(element).items():
                if kind in _TRANSACT_KINDS:
                    entries = dict_entries(body)
                    inner = _table(flow, element, entries)
                    shown = _shows_owner(flow, entries)
                    _write(flow, element, _TRANSACT_KINDS[kind], entries, inner, shown)
    return CLEAN


def _arguments(node: ast.Call) -> list[ast.expr]:
    return [*node.args, *(k.value for k in node.keywords)]


def _table(flow: Evaluator, node: ast.expr, named: dict[str, ast.expr]) -> TableRef:
    """The table a call touches: its `TableName`, else what its receiver was built from."""
    scope = scope_of(flow.ctx.project, flow.module)
    if "TableName" in named:
        return TableRef(scope, name_of(flow.module, named["TableName"]))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        ref = flow.ref
        name = receiver_name(flow.ctx.project, flow.module, ref.node, ref.owner, node.func.value)
        return TableRef(scope, name)
    return TableRef(scope, None)


def _shows_owner(flow: Evaluator, named: dict[str, ast.expr]) -> bool:
    """Whether the call's arguments show that the items have an owner: an owner-like attribute
    named anywhere in them (keys, item, expressions, the model written) or a principal value."""
    for name, value in named.items():
        if name in ("TableName", "ExclusiveStartKey", "Limit", "Select"):
            continue
        taint = flow.value(value)
        if flow.ctx.effective(taint)[1]:
            return True
        if taint.spread is not None and _model_has_owner(flow, taint.spread):
            return True
        if _literal_has_owner(flow, value):
            return True
    return False


def _model_has_owner(flow: Evaluator, spread: Spread) -> bool:
    fields = flow.ctx.project.model_fields(spread.model, spread.cls) or frozenset()
    return bool(spread.pinned) or any(owner_like(f) for f in fields)


def _literal_has_owner(flow: Evaluator, node: ast.expr) -> bool:
    """An owner-like string in the argument, or among the keys of a dict it names."""
    for sub in walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and owner_like(sub.value):
            return True
        if isinstance(sub, ast.Name) and any(owner_like(k) for k in flow.dicts.get(sub.id, {})):
            return True
    return False


def _condition(flow: Evaluator, named: dict[str, ast.expr], name: str) -> Taint:
    expression = named.get(name)
    if expression is None:
        return CLEAN
    parts = [expression, *referenced_values(expression, named.get("ExpressionAttributeValues"))]
    return join_all([flow.value(p) for p in parts])


def _read(
    flow: Evaluator,
    node: ast.Call,
    op: str,
    named: dict[str, ast.expr],
    table: TableRef,
    owned: bool,
) -> Taint:
    ctx = flow.ctx
    if op == "query":
        key = _condition(flow, named, "KeyConditionExpression")
        if "KeyConditions" in named:
            key = key.join(flow.value(named["KeyConditions"]))
    else:
        key = join_all([flow.value(named[n]) for n in _READ_KEYS[op] if n in named])
    origins, principal = ctx.effective(key)
    ctx.access(table, "read", owned or principal)
    fact = ReadFact(
        where=ctx.where(flow.module, node),
        route=ctx.route,
        operation=op,
        key_from_request=ctx.from_request(key),
        key_origins=origins,
        table=table,
    )
    read_id = ctx.new_read(fact)
    return Taint(origins=key.origins, principal=key.principal, reads=frozenset({read_id}))


def _write_key(flow: Evaluator, named: dict[str, ast.expr]) -> Taint:
    """The provenance of the written item's key: the `Key`, the Item's key entries, a key set
    on the Item after it was built (`item["id"] = str(uuid4())`), or the whole Item."""
    if "Key" in named:
        return flow.value(named["Key"])
    item = named.get("Item")
    if isinstance(item, ast.Name) and item.id in flow.key_set:
        return flow.key_set[item.id]
    entries: list[ast.expr] = []
    if isinstance(item, ast.Name) and item.id in flow.dicts:
        entries = item_key_entries(flow.dicts[item.id])
    elif isinstance(item, ast.Dict):
        entries = item_key_entries(dict_entries(item))
    if entries:
        return join_all([flow.value(e) for e in entries])
    if item is None:
        return CLEAN
    value = flow.value(item)
    if value.spread is not None and value.spread.client_key:
        return Taint(origins=value.spread.client_key)
    if value.spread is not None and _server_keyed(flow, value.spread):
        return CLEAN
    return value.plain()


def _server_keyed(flow: Evaluator, spread: Spread) -> bool:
    """A model whose fields include no client-settable key: every key-like field has a default
    (`id: str = Field(default_factory=lambda: str(uuid4()))`), so the server picks the key."""
    return not spread.client_key and server_keyed(flow.ctx.project, spread.model, spread.cls)


def _write(
    flow: Evaluator,
    node: ast.expr,
    op: str,
    named: dict[str, ast.expr],
    table: TableRef,
    owned: bool,
) -> None:
    ctx = flow.ctx
    ctx.wrote = True
    for written in ("Item", "ExpressionAttributeValues"):
        if written in named:
            ctx.use(flow.value(named[written]))
    where = ctx.where(flow.module, node)
    key = _write_key(flow, named)
    condition = _condition(flow, named, "ConditionExpression")
    _, condition_principal = ctx.effective(condition)
    origins, key_principal = ctx.effective(key)
    from_request = ctx.from_request(key)
    creates = op == "put_item" and not origins and not key_principal
    ctx.access(table, "create" if creates else "write", owned or key_principal)
    ctx.facts.writes.append(
        WriteFact(
            where=where,
            route=ctx.route,
            operation=op,
            key_from_request=from_request,
            condition_has_principal=condition_principal,
            creates_only=op == "put_item" and creates_only(named.get("ConditionExpression")),
            checked_in_python=from_request and origins <= ctx.item_checked,
            table=table,
        )
    )
    for written in ("Item", "ExpressionAttributeValues"):
        spread = flow.value(named[written]).spread if written in named else None
        if spread is not None and (
            (spread.open_fields is None and not spread.pinned) or spread.open_fields
        ):
            ctx.facts.mass_assignments.append(
                MassAssignFact(where, ctx.route, spread.model, spread.open_fields)
            )
            break
    else:
        opened = _owner_fields_set_from_request(flow, named)
        if opened:
            ctx.facts.mass_assignments.append(
                MassAssignFact(where, ctx.route, "request values", opened)
            )
    returned = named.get("ReturnValuesOnConditionCheckFailure")
    if isinstance(returned, ast.Constant) and returned.value == "ALL_OLD":
        ctx.facts.oracles.append(
            OracleFact(where, ctx.route, "the old item returned on condition failure")
        )


def _owner_fields_set_from_request(flow: Evaluator, named: dict[str, ast.expr]) -> frozenset[str]:
    """`UpdateExpression="SET owner_id = :o"` with `:o` from the request: the owner fields an
    update lets the client choose."""
    expression = named.get("UpdateExpression")
    if not isinstance(expression, ast.Constant) or not isinstance(expression.value, str):
        return frozenset()
    values = dict_entries(named.get("ExpressionAttributeValues"))
    opened: set[str] = set()
    for target, placeholder in _ASSIGNMENT.findall(expression.value):
        field = target
        alias = dict_entries(named.get("ExpressionAttributeNames")).get(target)
        if isinstance(alias, ast.Constant):
            field = str(alias.value)
        value = values.get(placeholder)
        if field in OWNER_ONLY and value is not None and flow.ctx.from_request(flow.value(value)):
            opened.add(field)
    return frozenset(opened)


def cursor_entry(flow: Evaluator, field: str, target: ast.expr) -> None:
    """`params["ExclusiveStartKey"] = ...`: judged where it is set, not where it is splatted."""
    if field == "ExclusiveStartKey":
        _cursor(flow, {field: target}, assigned=True)


def _cursor(flow: Evaluator, named: dict[str, ast.expr], assigned: bool = False) -> None:
    start = named.get("ExclusiveStartKey")
    if start is None or (isinstance(start, ast.Subscript) and not assigned):
        return
    value = flow.value(start)
    if flow.ctx.from_request(value):
        where = flow.ctx.where(flow.module, start)
        flow.ctx.facts.cursors.append(CursorFact(where, flow.ctx.route, value.decoded))
