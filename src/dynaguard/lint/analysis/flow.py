"""Intraprocedural taint pass over one function body, following calls into the linted tree.

Flow-insensitive inside a branch, ordered across statements: good enough to see "key from the
request, no check, then the data goes out" without a full dataflow framework.
"""

from __future__ import annotations

import ast
import re

from dynaguard.lint.core.classes import attribute_class, find_class, global_class, method
from dynaguard.lint.core.names import call_name, resolve_callable
from dynaguard.lint.core.project import FunctionRef, walk
from dynaguard.lint.core.taint import CLEAN, Spread, Taint, join_all
from dynaguard.lint.models.dynamodb import pynamo, sinks
from dynaguard.lint.models.dynamodb.calls import (
    BOTO_KEYWORDS,
    KEY_ATTRIBUTES,
    OWNERSHIP_FIELDS,
    dict_entries,
    operation,
)
from dynaguard.lint.models.dynamodb.tables import is_table
from dynaguard.lint.models.facts import BypassFact, CompositeKeyFact, OracleFact
from dynaguard.lint.models.fastapi import responses as checks
from dynaguard.lint.models.libraries import bypass, libcalls
from dynaguard.lint.models.libraries.wrappers import unwrap
from dynaguard.lint.models.route_state import RouteContext

_DELIMITER = re.compile(r"\w#|#$")
_CONVERTERS = frozenset({"int", "float", "bool", "UUID", "uuid.UUID", "Decimal", "UUID4"})
_DECODERS = frozenset(
    {"loads", "b64decode", "urlsafe_b64decode", "b32decode", "decodebytes", "literal_eval"}
)
_SEALERS = re.compile(r"unseal|verif|decrypt|sign|hmac|authenticat", re.IGNORECASE)
_SANITIZERS = re.compile(r"valid|saniti[sz]e|ensure_|safe_|check_id|parse_id", re.IGNORECASE)
_DUMPERS = frozenset({"model_dump", "dict", "jsonable_encoder", "vars", "asdict"})
_BODY_READERS = frozenset({"json", "form", "body"})
_PRINCIPAL_ATTRS = frozenset({"state", "user", "auth", "session", "scope"})
_NOT_MODELS = frozenset({"str", "int", "float", "bool", "bytes", "UUID", "list", "List", "set"})
_UNKNOWN_SHAPES = frozenset({"dict", "Dict", "Any", "Mapping", "MutableMapping", "object"})
_VIEWS = frozenset({"items", "keys", "values", "copy"})
"""Views of a dict that still hold all of it (a body spread stays a spread)."""
_MUTATORS = frozenset({"append", "extend", "add", "insert", "appendleft", "setdefault"})
_OWNER_ONLY = OWNERSHIP_FIELDS - KEY_ATTRIBUTES
_MESSAGE_CALLS = frozenset(
    {
        "HTTPException",
        "print",
        "debug",
        "info",
        "warning",
        "warn",
        "error",
        "exception",
        "critical",
        "log",
        "JSONResponse",
        "PlainTextResponse",
    }
)
"""Calls whose arguments are messages for people (errors, logs), not keys."""
_TABLE_OPERATIONS = frozenset(
    {"scan", "get_item", "query", "put_item", "update_item", "delete_item"}
)
_KEY_NAMES = KEY_ATTRIBUTES | {"key", "item_id", "itemId", "uuid", "slug"}


class FunctionFlow:
    """Walk one function's statements, evaluating expressions to `Taint`, emitting facts."""

    def __init__(self, ctx: RouteContext, ref: FunctionRef, env: dict[str, Taint]) -> None:
        self.ctx = ctx
        self.ref = ref
        self.module = ref.module
        self.env = dict(env)
        self.dicts: dict[str, dict[str, ast.expr]] = {}
        self.returns = CLEAN
        self.cache: dict[int, Taint] = {}
        self.has_404 = ctx.has_404(ref.node)
        self.key_set: dict[str, Taint] = {}
        self.scanned = False
        self.read_ops: set[str] = set()
        self.texts = 0
        """How many exception/log messages are being evaluated around the current node."""

    def run(self) -> Taint:
        for node, what in bypass.hazards(self.ctx.project, self.module, self.ref.node):
            where = self.ctx.where(self.module, node)
            self.ctx.facts.bypasses.append(BypassFact(where, self.ctx.route, what))
        self.block(self.ref.node.body)
        return self.returns

    # statements

    def block(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self.stmt(stmt)

    def stmt(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Assign):
            value = self.expr(node.value)
            for target in node.targets:
                self.bind(target, value, node.value)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            self.bind(node.target, self.expr(node.value), node.value)
        elif isinstance(node, ast.AugAssign):
            self.bind(node.target, self.expr(node.target).join(self.expr(node.value)), None)
        elif isinstance(node, ast.Expr):
            value = self.expr(node.value)
            if isinstance(node.value, ast.Yield | ast.YieldFrom | ast.Await) and _yields(
                node.value
            ):
                self.returns = self.returns.join(value)
        elif isinstance(node, ast.Return) and node.value is not None:
            self.returns = self.returns.join(self.expr(node.value))
        elif isinstance(node, ast.If):
            self.if_stmt(node)
        elif isinstance(node, ast.For | ast.AsyncFor):
            self.bind(node.target, self.expr(node.iter).plain(), None)
            self.block(node.body)
            self.block(node.orelse)
        elif isinstance(node, ast.While):
            self.expr(node.test)
            self.block(node.body)
            self.block(node.orelse)
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                value = self.expr(item.context_expr)
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, value, None)
            self.block(node.body)
        elif isinstance(node, ast.Try | ast.TryStar):
            self.try_stmt(node)
        elif isinstance(node, ast.Raise) and node.exc is not None:
            self.message(node.exc)
        elif isinstance(node, ast.Match):
            self.expr(node.subject)
            for case in node.cases:
                self.block(case.body)

    def message(self, node: ast.expr) -> Taint:
        """An exception or log message: a `#` in its f-strings is text, never a key (DG108)."""
        self.texts += 1
        try:
            return self.expr(node)
        finally:
            self.texts -= 1

    def bind(self, target: ast.expr, value: Taint, source: ast.expr | None) -> None:
        if isinstance(target, ast.Name):
            self.env[target.id] = value
            if isinstance(source, ast.Dict):
                self.dicts[target.id] = dict_entries(source)
            else:
                self.dicts.pop(target.id, None)
        elif isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                self.bind(element, value.plain(), None)
        elif isinstance(target, ast.Starred):
            self.bind(target.value, value, None)
        elif isinstance(target, ast.Subscript | ast.Attribute):
            self.assign_into(target, value)

    def assign_into(self, target: ast.Subscript | ast.Attribute, value: Taint) -> None:
        """`item["owner_id"] = principal.sub` pins an ownership field of a body-built dict."""
        base = target.value
        if not isinstance(base, ast.Name):
            return
        current = self.env.get(base.id, CLEAN)
        field = None
        if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
            field = str(target.slice.value)
        elif isinstance(target, ast.Attribute):
            field = target.attr
        if current.spread is not None and field is not None and value.principal:
            current = _pin(current, {field})
        if field in _OWNER_ONLY and self.ctx.from_request(value):
            current = _open(current, field)
        if field in _KEY_NAMES:
            self.key_set[base.id] = value
            if current.cls is not None and isinstance(target, ast.Attribute):
                self.env[base.id] = Taint(
                    value.origins,
                    value.principal,
                    value.reads,
                    cls=current.cls,
                    spread=current.spread,
                    model=current.model,
                )
                return
        self.env[base.id] = _keep(current, current.join(value.plain()))
        if field is not None and base.id in self.dicts and isinstance(target, ast.Subscript):
            self.dicts[base.id][field] = target
            self.cache[id(target)] = value
            sinks.cursor_entry(self, field, target)

    def if_stmt(self, node: ast.If) -> None:
        self.expr(node.test)
        leaves = checks.terminates(node.body)
        if leaves or checks.positive(node.test):
            self.ownership_check(node)
        if leaves:
            for validated in checks.validated_names(node.test):
                self.ctx.delim_ok |= self.value(validated).origins
        self.block(node.body)
        self.block(node.orelse)

    def ownership_check(self, node: ast.If) -> None:
        """An `if` comparing a request value or a read item with the principal."""
        for sub in walk(node.test):
            if isinstance(sub, ast.Compare):
                sides = [sub.left, *sub.comparators]
            elif isinstance(sub, ast.Call):
                sides = [*sub.args, *(k.value for k in sub.keywords)]
            else:
                continue
            values = [self.value(side) for side in sides]
            if not any(v.principal and not v.origins and not v.reads for v in values):
                continue
            for value in values:
                if value.principal and not value.reads:
                    continue
                if value.reads:
                    self.mark_checked(value, node)
                else:
                    self.ctx.verified |= value.origins

    def mark_checked(self, value: Taint, node: ast.If) -> None:
        for read_id in value.reads:
            fact = self.ctx.reads[read_id]
            fact.checked = True
            self.ctx.item_checked |= fact.key_origins
        missing = any(self.value(m).reads & value.reads for m in checks.missing_checks(node.test))
        if self.has_404 and not missing:
            for forbidden in checks.raises(node.body, 403):
                self.oracle(forbidden, "403 for a foreign item, 404 for a missing one")

    def oracle(self, node: ast.stmt | ast.expr, kind: str) -> None:
        where = self.ctx.where(self.module, node)
        self.ctx.facts.oracles.append(OracleFact(where, self.ctx.route, kind))

    def try_stmt(self, node: ast.Try | ast.TryStar) -> None:
        self.block(node.body)
        for handler in node.handlers:
            if handler.name:
                self.env[handler.name] = CLEAN
            if checks.handles_condition_failure(handler):
                forbidden = checks.raises(handler.body, 403)
                if forbidden and (self.has_404 or checks.raises(handler.body, 404)):
                    for raise_node in forbidden:
                        self.oracle(raise_node, "condition failure answered 403, missing 404")
            self.block(handler.body)
        self.block(node.orelse)
        self.block(node.finalbody)

    # expressions

    def value(self, node: ast.expr) -> Taint:
        """Taint of an already-evaluated node, without emitting its facts twice."""
        cached = self.cache.get(id(node))
        return cached if cached is not None else self.expr(node)

    def expr(self, node: ast.expr) -> Taint:
        result = self._expr(node)
        self.cache[id(node)] = result
        return result

    def _expr(self, node: ast.expr) -> Taint:
        if isinstance(node, ast.Name):
            found = self.env.get(node.id)
            if found is not None:
                return found
            cls = global_class(self.ctx.project, self.module, node.id)
            return Taint(cls=cls) if cls is not None else CLEAN
        if isinstance(node, ast.Constant | ast.Lambda):
            return CLEAN
        if isinstance(node, ast.Attribute):
            return self.attribute(node)
        if isinstance(node, ast.Subscript):
            return self.expr(node.value).plain().join(self.expr(node.slice).plain())
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Await):
            return self.expr(node.value)
        if isinstance(node, ast.JoinedStr):
            parts = [v.value if isinstance(v, ast.FormattedValue) else v for v in node.values]
            return self.composite(node, parts, joined_by_hash=False)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.concatenation(node)
        if isinstance(node, ast.Dict):
            return self.dict_literal(node)
        if isinstance(node, ast.NamedExpr):
            value = self.expr(node.value)
            self.bind(node.target, value, None)
            return value
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            return self.comprehension(node)
        return join_all([self.expr(child) for child in _children(node)]).plain()

    def attribute(self, node: ast.Attribute) -> Taint:
        base = self.expr(node.value)
        if base.request_object:
            if node.attr == "app":
                return CLEAN
            if node.attr in _PRINCIPAL_ATTRS:
                self.ctx.principal_seen = True
                return Taint(principal=True)
            return Taint(origins=base.origins)
        if node.attr == "__dict__" and _is_model(base):
            return self.dump(base, [])
        if base.cls is not None:
            cls = attribute_class(self.ctx.project, base.cls, node.attr)
            if cls is not None:
                return base.plain().instance(cls)
        if isinstance(node.value, ast.Name) and base is CLEAN:
            cls = None
            target = self.ctx.project.resolve_name(self.module, node.value.id)
            if target is not None and not isinstance(target, FunctionRef):
                cls = global_class(self.ctx.project, target, node.attr)
            if cls is not None:
                return Taint(cls=cls)
        return base.plain()

    def call(self, node: ast.Call) -> Taint:
        node = unwrap(self.ctx.project, node)
        receiver = self.expr(node.func.value) if isinstance(node.func, ast.Attribute) else CLEAN
        followed = self.object_call(node, receiver)
        if followed is not None:
            return followed
        op = operation(node)
        if op is None and _bare_table_call(node):
            op = self.table_call(node)
        if op is not None:
            return sinks.handle(self, node, op)
        name = call_name(node.func)
        evaluate = self.message if name in _MESSAGE_CALLS else self.expr
        args = [evaluate(a) for a in node.args] + [evaluate(k.value) for k in node.keywords]
        joined = join_all([receiver.plain(), *(a.plain() for a in args)])
        if libcalls.generates_key(name, _receiver(node)):
            return CLEAN
        if name in _VIEWS and receiver.spread is not None and not node.args:
            return receiver
        if name in _MUTATORS and isinstance(node.func, ast.Attribute):
            self.mutate(node.func.value, join_all(args))
        if receiver.request_object and name in _BODY_READERS:
            return Taint(origins=receiver.origins, spread=Spread("request body", None))
        if name in _DUMPERS and (_is_model(receiver) or (node.args and _is_model(args[0]))):
            source = receiver if _is_model(receiver) else args[0]
            return self.dump(source, node.keywords)
        if name == "join" and _has_hash(node.func):
            sequence = node.args[0] if node.args else None
            if isinstance(sequence, ast.List | ast.Tuple):
                return self.composite(node, list(sequence.elts), joined_by_hash=True)
            return self.composite(node, [*node.args, *node.args], joined_by_hash=True)
        if name == "format" and _has_hash(node.func):
            values = [*node.args, *(k.value for k in node.keywords)]
            return self.composite(node, [*values, *values], joined_by_hash=True)
        if name == "update" and isinstance(node.func, ast.Attribute) and node.args:
            self.update_call(node.func.value, node.args[0])
        if name in _CONVERTERS:
            return Taint(joined.origins, joined.principal, joined.reads, delim_safe=True)
        if _SEALERS.search(name):
            return Taint(principal=joined.principal)
        if name in _DECODERS or name == "decode":
            return Taint(joined.origins, joined.principal, joined.reads, decoded=True)
        if _SANITIZERS.search(name):
            return Taint(joined.origins, joined.principal, joined.reads, delim_safe=True)
        ref = self.resolve(node.func)
        if ref is not None:
            return self.ctx.call(ref, self.bind_arguments(ref, node))
        constructed = find_class(self.ctx.project, self.module, node.func)
        if constructed is not None:
            return self.construct(node, constructed, joined)
        return joined

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
        if is_table(self.ctx.project, self.module, ref.node, ref.owner, node.func.value):
            return node.func.attr
        return None

    def object_call(self, node: ast.Call, receiver: Taint) -> Taint | None:
        """A PynamoDB call, or a method of an object whose class the tree defines."""
        modelled = pynamo.handle(self, node, receiver)
        if modelled is not None:
            return modelled
        if receiver.cls is None and isinstance(node.func, ast.Attribute):
            return self.class_call(node, node.func)
        if receiver.cls is None or not isinstance(node.func, ast.Attribute):
            return None
        if isinstance(node.func.value, ast.Name) and node.func.value.id in ("self", "cls"):
            return None
        ref = method(self.ctx.project, receiver.cls, node.func.attr)
        if ref is None:
            return None
        env = self.bind_arguments(ref, node)
        env["self"] = receiver
        return self.ctx.call(ref, env)

    def dump(self, source: Taint, options: list[ast.keyword]) -> Taint:
        """`obj.model_dump()`, `dict(obj)`, `obj.__dict__`: a request body spreads whole; an
        object the code built keeps what its construction set (see `construct`)."""
        if source.spread is not None and source.cls is not None and not options:
            return Taint(source.origins, source.principal, spread=source.spread)
        return Taint(origins=source.origins, spread=self.body_spread(source, options))

    def class_call(self, node: ast.Call, func: ast.Attribute) -> Taint | None:
        """`Repo.create(x)`: a classmethod or staticmethod called on its class."""
        cls = find_class(self.ctx.project, self.module, func.value)
        ref = method(self.ctx.project, cls, func.attr) if cls is not None else None
        if ref is None or cls is None:
            return None
        env = self.bind_arguments(ref, node)
        env["cls"] = env["self"] = Taint(cls=cls)
        return self.ctx.call(ref, env)

    def construct(self, node: ast.Call, cls: tuple[str, str], joined: Taint) -> Taint:
        """`Repo(table)`, `ItemOut(**item)`: an object of a tree class; `__init__` is followed
        so what it stores is known, and the object keeps its arguments' provenance."""
        init = method(self.ctx.project, cls, "__init__")
        if init is not None:
            env = self.bind_arguments(init, node)
            env["self"] = Taint(cls=cls)
            self.ctx.call(init, env)
        return Taint(
            joined.origins,
            joined.principal,
            joined.reads,
            cls=cls,
            model=cls[1],
            spread=self.built_spread(node, cls),
        )

    def built_spread(self, node: ast.Call, cls: tuple[str, str]) -> Spread:
        """What an object built from keywords holds: the owner fields it took from the request
        (open), those it took from the principal (pinned), and what `**x` brought along; the
        fields left to their defaults are the server's."""
        opened: set[str] = set()
        unknown = False
        client_key: frozenset[str] = frozenset()
        pinned: set[str] = set()
        for keyword in node.keywords:
            value = self.value(keyword.value)
            if keyword.arg is None:
                spread = value.spread or (self.body_spread(value, []) if _is_model(value) else None)
                if spread is not None:
                    unknown = unknown or spread.open_fields is None
                    opened |= spread.open_fields or frozenset()
                    pinned |= spread.pinned
                elif self.ctx.from_request(value):
                    unknown = True
            elif keyword.arg in _KEY_NAMES and self.ctx.from_request(value):
                client_key |= self.ctx.effective(value)[0]
            elif keyword.arg in OWNERSHIP_FIELDS and value.principal:
                pinned.add(keyword.arg)
            elif keyword.arg in _OWNER_ONLY and self.ctx.from_request(value):
                opened.add(keyword.arg)
        open_fields = None if unknown else frozenset(opened - pinned)
        return Spread(cls[1], open_fields, frozenset(pinned), cls, client_key)

    def mutate(self, target: ast.expr, value: Taint) -> None:
        """`items.append(x)`: the container now holds `x`'s provenance."""
        if isinstance(target, ast.Name) and value is not CLEAN:
            current = self.env.get(target.id, CLEAN)
            self.env[target.id] = _keep(current, current.join(value.plain()))

    def resolve(self, func: ast.expr) -> FunctionRef | None:
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in ("self", "cls")
            and self.ref.owner is not None
        ):
            owner = self.env.get(func.value.id, CLEAN).cls or (self.module.name, self.ref.owner)
            return method(self.ctx.project, owner, func.attr)
        found = resolve_callable(self.ctx.project, self.module, func)
        if found is None and isinstance(func, ast.Name) and func.id in self.module.nested:
            found = FunctionRef(self.module, self.module.nested[func.id])
        return found

    def bind_arguments(self, ref: FunctionRef, node: ast.Call) -> dict[str, Taint]:
        env = self._bind(ref, node)
        if (
            ref.owner is not None
            and "self" in self.env
            and "self" not in env
            and isinstance(node.func, ast.Attribute)
            and call_name(node.func.value) == "self"
        ):
            env["self"] = self.env["self"]
        return env

    def _bind(self, ref: FunctionRef, node: ast.Call) -> dict[str, Taint]:
        args = ref.node.args
        positional = [a.arg for a in [*args.posonlyargs, *args.args]]
        if ref.owner is not None and positional and positional[0] in ("self", "cls"):
            positional = positional[1:]
        env: dict[str, Taint] = {}
        for name, arg in zip(positional, node.args, strict=False):
            if not isinstance(arg, ast.Starred):
                env[name] = self.value(arg)
        known = set(positional) | {a.arg for a in args.kwonlyargs}
        for keyword in node.keywords:
            if keyword.arg in known:
                env[keyword.arg] = self.value(keyword.value)
        return env

    def body_spread(self, source: Taint, options: list[ast.keyword]) -> Spread:
        """`body.model_dump()`, `{**body}`: the whole client-chosen body as a dict."""
        model = source.model or "body"
        cls = source.cls
        fields = self.ctx.project.model_fields(model, cls)
        if model in _UNKNOWN_SHAPES or fields is None:
            return Spread(model, None, cls=cls)
        open_fields = fields & OWNERSHIP_FIELDS
        for keyword in options:
            if keyword.arg == "exclude":
                open_fields -= _literal_names(keyword.value)
            if keyword.arg == "include":
                open_fields &= _literal_names(keyword.value)
        return Spread(model, open_fields, cls=cls)

    def dict_literal(self, node: ast.Dict) -> Taint:
        result = CLEAN
        spread: Spread | None = None
        for key, value_node in zip(node.keys, node.values, strict=True):
            value = self.expr(value_node)
            if key is None:
                if value.spread is not None or _is_model(value):
                    spread = value.spread or self.body_spread(value, [])
                result = result.join(value.plain())
                continue
            self.expr(key)
            result = result.join(value.plain())
            if spread is not None and isinstance(key, ast.Constant) and value.principal:
                spread = _pin(Taint(spread=spread), {str(key.value)}).spread
            if (
                isinstance(key, ast.Constant)
                and key.value in _OWNER_ONLY
                and self.ctx.from_request(value)
            ):
                spread = _open(Taint(spread=spread), str(key.value)).spread
        return Taint(
            result.origins,
            result.principal,
            result.reads,
            result.delim_safe,
            result.decoded,
            spread=spread,
        )

    def update_call(self, target: ast.expr, argument: ast.expr) -> None:
        if not isinstance(target, ast.Name):
            return
        current = self.env.get(target.id, CLEAN)
        if current.spread is None:
            return
        pinned = {k for k, v in dict_entries(argument).items() if self.value(v).principal}
        self.env[target.id] = _pin(current, pinned)

    def comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp
    ) -> Taint:
        saved = dict(self.env)
        spread = None
        for generator in node.generators:
            source = self.expr(generator.iter)
            spread = spread or source.spread
            self.bind(generator.target, source.plain(), None)
        parts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        result = join_all([self.expr(p).plain() for p in parts])
        self.env = saved
        if isinstance(node, ast.DictComp) and spread is not None:
            return Taint(result.origins, result.principal, result.reads, spread=spread)
        return result

    def concatenation(self, node: ast.BinOp) -> Taint:
        operands = _flatten_add(node)
        if any(isinstance(o, ast.Constant) and _delimits(o) for o in operands):
            return self.composite(node, operands, joined_by_hash=False)
        return join_all([self.expr(o) for o in operands]).plain()

    def composite(self, node: ast.expr, ordered: list[ast.expr], joined_by_hash: bool) -> Taint:
        """A `#`-delimited key. A request segment followed by another delimiter must be
        delimiter-safe, or the client can shift segment boundaries (`a#DOC#b`)."""
        values = [self.expr(part) for part in ordered]
        unsafe: set[str] = set()
        for index, (part, value) in enumerate(zip(ordered, values, strict=True)):
            if isinstance(part, ast.Constant):
                continue
            later = ordered[index + 1 :]
            followed = (joined_by_hash and bool(later)) or any(
                isinstance(p, ast.Constant) and _delimits(p) for p in later
            )
            origins, _ = self.ctx.effective(value)
            if followed and not value.delim_safe:
                unsafe |= origins - self.ctx.delim_ok
        if unsafe and not self.texts:
            where = self.ctx.where(self.module, node)
            self.ctx.facts.composites.append(
                CompositeKeyFact(where, self.ctx.route, frozenset(unsafe))
            )
        return join_all([v.plain() for v in values])


def _bare_table_call(node: ast.Call) -> bool:
    return (
        isinstance(node.func, ast.Attribute)
        and node.func.attr in _TABLE_OPERATIONS
        and not node.args
        and all(k.arg is None for k in node.keywords)
    )


def _yields(node: ast.expr) -> bool:
    return isinstance(node, ast.Yield | ast.YieldFrom) or (
        isinstance(node, ast.Await) and isinstance(node.value, ast.Yield)
    )


def _receiver(node: ast.Call) -> str:
    return call_name(node.func.value) if isinstance(node.func, ast.Attribute) else ""


def _keep(before: Taint, after: Taint) -> Taint:
    """`after`, keeping what a join drops: the model name and the request-object mark."""
    if after is before or (after.model == before.model and not before.request_object):
        return after
    return Taint(
        after.origins,
        after.principal,
        after.reads,
        after.delim_safe,
        after.decoded,
        model=before.model,
        spread=after.spread,
        request_object=before.request_object,
        cls=after.cls,
    )


def _open(value: Taint, field: str) -> Taint:
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


def _children(node: ast.expr) -> list[ast.expr]:
    return [
        child.value if isinstance(child, ast.FormattedValue) else child
        for child in ast.iter_child_nodes(node)
        if isinstance(child, ast.expr)
    ]


def _delimits(node: ast.Constant) -> bool:
    """`ORG#`, `#USER#`, a bare `#`: a key delimiter, unlike a `#name` attribute placeholder."""
    return isinstance(node.value, str) and bool(_DELIMITER.search(node.value))


def _has_hash(func: ast.expr) -> bool:
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Constant)
        and _delimits(func.value)
    )


def _flatten_add(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [*_flatten_add(node.left), *_flatten_add(node.right)]
    return [node]


def _literal_names(node: ast.expr) -> frozenset[str]:
    if isinstance(node, ast.Set | ast.List | ast.Tuple):
        return frozenset(str(e.value) for e in node.elts if isinstance(e, ast.Constant))
    if isinstance(node, ast.Dict):
        return frozenset(str(k.value) for k in node.keys if isinstance(k, ast.Constant))
    return frozenset()


def _is_model(value: Taint) -> bool:
    """A request body parameter (a model or a dict), as opposed to a scalar path/query value."""
    return value.model is not None and value.model not in _NOT_MODELS


def _pin(value: Taint, fields: set[str]) -> Taint:
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
