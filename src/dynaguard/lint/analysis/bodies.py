"""Request bodies as dicts, field by field: which ownership fields a dict or object built from
the request still leaves to the client (open), which the code set from the principal (pinned),
and which key the client chose (DG102, DG106)."""

from __future__ import annotations

import ast

from dynaguard.lint.core.classes import ClassKey
from dynaguard.lint.core.literals import dict_entries, literal_names
from dynaguard.lint.core.taint import CLEAN, Spread, Taint, keep
from dynaguard.lint.models.dynamodb import sinks
from dynaguard.lint.models.dynamodb.calls import KEY_ATTRIBUTES, OWNERSHIP_FIELDS
from dynaguard.lint.models.evaluator import Evaluator

NOT_MODELS = frozenset({"str", "int", "float", "bool", "bytes", "UUID", "list", "List", "set"})
_UNKNOWN_SHAPES = frozenset({"dict", "Dict", "Any", "Mapping", "MutableMapping", "object"})
OWNER_ONLY = OWNERSHIP_FIELDS - KEY_ATTRIBUTES
"""Fields that say who owns an item without being its key."""
KEY_NAMES = KEY_ATTRIBUTES | {"key", "item_id", "itemId", "uuid", "slug"}


def is_model(value: Taint) -> bool:
    """A request body parameter (a model or a dict), as opposed to a scalar path/query value."""
    return value.model is not None and value.model not in NOT_MODELS


def body_spread(flow: Evaluator, source: Taint, options: list[ast.keyword]) -> Spread:
    """`body.model_dump()`, `{**body}`: the whole client-chosen body as a dict."""
    model = source.model or "body"
    cls = source.cls
    fields = flow.ctx.project.model_fields(model, cls)
    if model in _UNKNOWN_SHAPES or fields is None:
        return Spread(model, None, cls=cls)
    open_fields = fields & OWNERSHIP_FIELDS
    for keyword in options:
        if keyword.arg == "exclude":
            open_fields -= literal_names(keyword.value)
        if keyword.arg == "include":
            open_fields &= literal_names(keyword.value)
    return Spread(model, open_fields, cls=cls)


def dump(flow: Evaluator, source: Taint, options: list[ast.keyword]) -> Taint:
    """`obj.model_dump()`, `dict(obj)`, `obj.__dict__`: a request body spreads whole; an
    object the code built keeps what its construction set (see `built`)."""
    if source.spread is not None and source.cls is not None and not options:
        return Taint(source.origins, source.principal, spread=source.spread)
    return Taint(origins=source.origins, spread=flow.body_spread(source, options))


def built(flow: Evaluator, node: ast.Call, cls: ClassKey) -> Spread:
    """What an object built from keywords holds: the owner fields it took from the request
    (open), those it took from the principal (pinned), and what `**x` brought along; the
    fields left to their defaults are the server's."""
    opened: set[str] = set()
    unknown = False
    client_key: frozenset[str] = frozenset()
    pinned: set[str] = set()
    for keyword in node.keywords:
        value = flow.value(keyword.value)
        if keyword.arg is None:
            spread = value.spread or (flow.body_spread(value, []) if is_model(value) else None)
            if spread is not None:
                unknown = unknown or spread.open_fields is None
                opened |= spread.open_fields or frozenset()
                pinned |= spread.pinned
            elif flow.ctx.from_request(value):
                unknown = True
        elif keyword.arg in KEY_NAMES and flow.ctx.from_request(value):
            client_key |= flow.ctx.effective(value)[0]
        elif keyword.arg in OWNERSHIP_FIELDS and value.principal:
            pinned.add(keyword.arg)
        elif keyword.arg in OWNER_ONLY and flow.ctx.from_request(value):
            opened.add(keyword.arg)
    open_fields = None if unknown else frozenset(opened - pinned)
    return Spread(cls[1], open_fields, frozenset(pinned), cls, client_key)


def dict_literal(flow: Evaluator, node: ast.Dict) -> Taint:
    """`{**body, "owner_id": sub}`: a spread of the body, with the fields the literal pins or
    opens."""
    result = CLEAN
    spread: Spread | None = None
    for key, value_node in zip(node.keys, node.values, strict=True):
        value = flow.expr(value_node)
        if key is None:
            if value.spread is not None or is_model(value):
                spread = value.spread or flow.body_spread(value, [])
            result = result.join(value.plain())
            continue
        flow.expr(key)
        result = result.join(value.plain())
        if spread is not None and isinstance(key, ast.Constant) and value.principal:
            spread = pin(Taint(spread=spread), {str(key.value)}).spread
        if (
            isinstance(key, ast.Constant)
            and key.value in OWNER_ONLY
            and flow.ctx.from_request(value)
        ):
            spread = open_field(Taint(spread=spread), str(key.value)).spread
    return Taint(
        result.origins,
        result.principal,
        result.reads,
        result.delim_safe,
        result.decoded,
        spread=spread,
    )


def assign_into(flow: Evaluator, target: ast.Subscript | ast.Attribute, value: Taint) -> None:
    """`item["owner_id"] = principal.sub` pins an ownership field of a body-built dict; set
    from the request, it opens it; `item["id"] = ...` sets the item's key."""
    base = target.value
    if not isinstance(base, ast.Name):
        return
    current = flow.env.get(base.id, CLEAN)
    field = None
    if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
        field = str(target.slice.value)
    elif isinstance(target, ast.Attribute):
        field = target.attr
    if current.spread is not None and field is not None and value.principal:
        current = pin(current, {field})
    if field in OWNER_ONLY and flow.ctx.from_request(value):
        current = open_field(current, field)
    if field in KEY_NAMES:
        flow.key_set[base.id] = value
        if current.cls is not None and isinstance(target, ast.Attribute):
            flow.env[base.id] = Taint(
                value.origins,
                value.principal,
                value.reads,
                cls=current.cls,
                spread=current.spread,
                model=current.model,
            )
            return
    flow.env[base.id] = keep(current, current.join(value.plain()))
    if field is not None and base.id in flow.dicts and isinstance(target, ast.Subscript):
        flow.dicts[base.id][field] = target
        flow.cache[id(target)] = value
        sinks.cursor_entry(flow, field, target)


def update_call(flow: Evaluator, target: ast.expr, argument: ast.expr) -> None:
    """`item.update({"owner_id": sub})` pins the fields it sets from the principal."""
    if not isinstance(target, ast.Name):
        return
    current = flow.env.get(target.id, CLEAN)
    if current.spread is None:
        return
    pinned = {k for k, v in dict_entries(argument).items() if flow.value(v).principal}
    flow.env[target.id] = pin(current, pinned)


def open_field(value: Taint, field: str) -> Taint:
    """An ownership field set one by one from the request: a mass assignment of that field."""
    spread = value.spread or Spread(f"request value for {field}", frozenset())
    opened = (spread.open_fields or frozenset()) | {field}
    return Taint(
        value.origins,
        value.principal,
        value.reads,
        value.delim_safe,
        value.decoded,
        model=value.model,
        spread=Spread(spread.model, opened, spread.pinned, spread.cls, spread.client_key),
        cls=value.cls,
    )


def pin(value: Taint, fields: set[str]) -> Taint:
    """Ownership fields the code set from the principal: no longer the client's."""
    spread = value.spread
    if spread is None or not fields:
        return value
    remaining = None if spread.open_fields is None else spread.open_fields - fields
    pinned = spread.pinned | (fields & (OWNERSHIP_FIELDS - KEY_ATTRIBUTES))
    return Taint(
        value.origins,
        value.principal,
        value.reads,
        value.delim_safe,
        value.decoded,
        spread=Spread(spread.model, remaining, pinned, spread.cls, spread.client_key),
    )
