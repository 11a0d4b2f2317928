"""PynamoDB models: the same facts as boto3, from `Model.get/query/scan`, `instance.save()` ...

A model is a tree class whose ancestry reaches `pynamodb.models.Model`. Its hash key is the
attribute declared with `hash_key=True`. Reads return an instance whose provenance is the key's;
writes (`save`, `update`, `delete`, a batch's `save`/`delete`) are keyed by the instance's
provenance and guarded by `condition=`; constructing a model from the request body is where a
mass assignment starts.
"""

from __future__ import annotations

import ast

from dynaguard.lint.core.classes import ClassKey, bases, class_def, find_class, lineage
from dynaguard.lint.core.names import call_name
from dynaguard.lint.core.project import Project, walk
from dynaguard.lint.core.taint import CLEAN, Spread, Taint, join_all
from dynaguard.lint.models.dynamodb.bootstrap import guarded_create
from dynaguard.lint.models.dynamodb.calls import KEY_ATTRIBUTES, OWNERSHIP_FIELDS
from dynaguard.lint.models.dynamodb.tables import TableRef, name_of, owner_like, scope_of
from dynaguard.lint.models.evaluator import Evaluator
from dynaguard.lint.models.facts import (
    ControlPlaneFact,
    MassAssignFact,
    ReadFact,
    ScanFact,
    WriteFact,
)

CLASS_READS = frozenset({"get", "query", "batch_get"})
"""Class methods that read items by key (the first argument is the hash key)."""
CLASS_CONTROL = frozenset({"create_table", "delete_table", "update_ttl"})
"""Class methods that change the table itself."""
INSTANCE_WRITES = frozenset({"save", "update", "delete"})
"""Instance methods that write the instance's item."""
BATCH = ("<pynamodb>", "batch")
"""The class stand-in for the object `Model.batch_write()` yields."""
_CREATES_ONLY = "does_not_exist"
_OWNER_ONLY = OWNERSHIP_FIELDS - KEY_ATTRIBUTES


def is_model(project: Project, key: ClassKey | None) -> bool:
    """Whether a tree class is a PynamoDB model (cached: asked for every call on an object)."""
    if key is None or key == BATCH:
        return False
    cache_key = ("pynamodb", key)
    if cache_key not in project.memo:
        project.memo[cache_key] = any(_imports_model(project, k) for k in bases(project, key))
    return project.memo[cache_key]


def _imports_model(project: Project, key: ClassKey) -> bool:
    found = class_def(project, key)
    if found is None:
        return False
    module, cls = found
    for base in cls.bases:
        head = base.value if isinstance(base, ast.Attribute) else base
        name = call_name(head)
        source = module.imports.get(name, ("", None))[0]
        if source.startswith("pynamodb") and call_name(base) == "Model":
            return True
    return False


def hash_key(project: Project, key: ClassKey) -> str | None:
    """The attribute declared `hash_key=True` (in the model or a base model)."""
    for _, _, cls in lineage(project, key):
        for stmt in cls.body:
            if (
                isinstance(stmt, ast.Assign)
                and isinstance(stmt.value, ast.Call)
                and any(
                    k.arg == "hash_key" and isinstance(k.value, ast.Constant) and k.value.value
                    for k in stmt.value.keywords
                )
            ):
                target = stmt.targets[0]
                return target.id if isinstance(target, ast.Name) else None
    return None


def model_table(project: Project, key: ClassKey) -> tuple[str, bool]:
    """The model's table (`Meta.table_name`, else the class name) and whether its attributes
    name an owner (`owner_id = UnicodeAttribute()`)."""
    name = key[1]
    owned = False
    for ancestor, module, cls in lineage(project, key):
        for stmt in cls.body:
            if isinstance(stmt, ast.ClassDef) and stmt.name == "Meta" and ancestor == key:
                for meta in stmt.body:
                    if isinstance(meta, ast.Assign) and any(
                        isinstance(t, ast.Name) and t.id == "table_name" for t in meta.targets
                    ):
                        name = name_of(module, meta.value) or name
            targets = stmt.targets if isinstance(stmt, ast.Assign) else []
            if isinstance(stmt, ast.AnnAssign):
                targets = [stmt.target]
            owned = owned or any(isinstance(t, ast.Name) and owner_like(t.id) for t in targets)
    return name, owned


def _access(flow: Evaluator, model: ClassKey | None, kind: str, owned: bool) -> TableRef:
    scope = scope_of(flow.ctx.project, flow.module)
    if model is None:
        table = TableRef(scope, None)
    else:
        name, named_owner = model_table(flow.ctx.project, model)
        table = TableRef(scope, name)
        owned = owned or named_owner
    flow.ctx.access(table, kind, owned)
    return table


def handle(flow: Evaluator, node: ast.Call, receiver: Taint) -> Taint | None:
    """The result of a PynamoDB call, or None when `node` is not one."""
    if not isinstance(node.func, ast.Attribute):
        constructed = find_class(flow.ctx.project, flow.module, node.func)
        if is_model(flow.ctx.project, constructed):
            return _construct(flow, node, constructed)
        return None
    name = node.func.attr
    if receiver.cls == BATCH and name in ("save", "delete") and node.args:
        item = flow.expr(node.args[0])
        _write(flow, node, f"batch.{name}", item, CLEAN)
        return CLEAN
    model = find_class(flow.ctx.project, flow.module, node.func.value)
    if is_model(flow.ctx.project, model):
        return _class_call(flow, node, name, model)
    if is_model(flow.ctx.project, receiver.cls) and name in INSTANCE_WRITES:
        condition = _keyword_taint(flow, node, "condition")
        for arg in node.args:
            flow.expr(arg)
        _write(flow, node, name, receiver, condition, _creates_only(node))
        return CLEAN
    return None


def _keyword_taint(flow: Evaluator, node: ast.Call, name: str) -> Taint:
    return join_all([flow.expr(k.value) for k in node.keywords if k.arg == name])


def _creates_only(node: ast.Call) -> bool:
    return any(
        isinstance(sub, ast.Attribute) and sub.attr == _CREATES_ONLY
        for k in node.keywords
        if k.arg == "condition"
        for sub in walk(k.value)
    )


def _class_call(flow: Evaluator, node: ast.Call, name: str, model: ClassKey | None) -> Taint | None:
    ctx = flow.ctx
    ctx.touched_dynamodb = True
    where = ctx.where(flow.module, node)
    if name in CLASS_CONTROL:
        bootstrap = name == "create_table" and guarded_create(ctx.project, flow.ref.node, node)
        if not bootstrap:
            _access(flow, model, "control", False)
            ctx.wrote = True
        ctx.facts.control_plane.append(ControlPlaneFact(where, ctx.route, name, bootstrap))
        return CLEAN
    if name == "batch_write":
        return Taint(cls=BATCH)
    if name == "scan":
        condition = _keyword_taint(flow, node, "filter_condition")
        principal = ctx.effective(condition)[1]
        table = _access(flow, model, "read", principal)
        ctx.facts.scans.append(ScanFact(where, ctx.route, principal, table))
        return Taint(cls=model)
    if name in CLASS_READS:
        keyed = [*node.args[:2], *(k.value for k in node.keywords if k.arg in ("hash_key",))]
        key = join_all([flow.expr(arg) for arg in keyed])
        for keyword in node.keywords:
            flow.expr(keyword.value)
        origins, principal = ctx.effective(key)
        table = _access(flow, model, "read", principal)
        fact = ReadFact(
            where,
            ctx.route,
            f"{model[1] if model else ''}.{name}",
            ctx.from_request(key),
            origins,
            table=table,
        )
        read_id = ctx.new_read(fact)
        return Taint(
            origins=key.origins, principal=key.principal, reads=frozenset({read_id}), cls=model
        )
    return None


def _construct(flow: Evaluator, node: ast.Call, model: ClassKey | None) -> Taint:
    """`Model(hash, range, **attrs)`: the key's provenance, and ownership fields the client set."""
    assert model is not None
    key_name = hash_key(flow.ctx.project, model)
    key = CLEAN
    open_fields: set[str] = set()
    spread: Spread | None = None
    values = [flow.expr(arg) for arg in node.args]
    if values:
        key = values[0]
    for keyword in node.keywords:
        value = flow.expr(keyword.value)
        if keyword.arg is None:
            body = value.spread or (flow.body_spread(value, []) if value.model else None)
            if body is not None:
                spread = body
                if key_name is not None and body.open_fields is not None:
                    fields = flow.ctx.project.model_fields(body.model, body.cls) or frozenset()
                    key = key.join(value.plain()) if key_name in fields else key
                elif key_name is not None:
                    key = key.join(value.plain())
        elif keyword.arg == key_name:
            key = value
        elif keyword.arg in _OWNER_ONLY and flow.ctx.from_request(value):
            open_fields.add(keyword.arg)
    if open_fields:
        base = spread or Spread(f"request values for {model[1]}", frozenset())
        spread = Spread(
            base.model, (base.open_fields or frozenset()) | open_fields, base.pinned, base.cls
        )
    return Taint(key.origins, key.principal, key.reads, cls=model, spread=spread, model=model[1])


def _write(
    flow: Evaluator,
    node: ast.Call,
    op: str,
    item: Taint,
    condition: Taint,
    creates_only: bool = False,
) -> None:
    ctx = flow.ctx
    ctx.touched_dynamodb = True
    ctx.wrote = True
    where = ctx.where(flow.module, node)
    origins, principal = ctx.effective(item)
    from_request = ctx.from_request(item)
    creates = op.endswith("save") and not origins and not principal
    model = item.cls if is_model(ctx.project, item.cls) else None
    table = _access(flow, model, "create" if creates else "write", principal)
    ctx.facts.writes.append(
        WriteFact(
            where=where,
            route=ctx.route,
            operation=op,
            key_from_request=from_request,
            condition_has_principal=ctx.effective(condition)[1],
            creates_only=creates_only,
            checked_in_python=from_request and origins <= ctx.item_checked,
            table=table,
        )
    )
    spread = item.spread
    if spread is not None and (
        (spread.open_fields is None and not spread.pinned) or spread.open_fields
    ):
        ctx.facts.mass_assignments.append(
            MassAssignFact(where, ctx.route, spread.model, spread.open_fields)
        )
