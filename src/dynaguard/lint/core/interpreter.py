"""The data-flow pass's engine over one function body: Python's statements and expressions
evaluated to abstract values (`Taint`), calls followed into the linted tree (functions, methods of
objects of known class, classmethods, constructions).

Flow-insensitive inside a branch, ordered across statements. It knows no framework: what a call,
an attribute, a branch, a handler or a literal means to one is asked of the hooks (`Interpreter`'s
methods a subclass overrides, whose defaults are plain Python)."""

from __future__ import annotations

import ast
from typing import Protocol

from dynaguard.lint.core.calls import arguments, callee
from dynaguard.lint.core.classes import ClassKey, attribute_class, find_class, global_class, method
from dynaguard.lint.core.literals import children, dict_entries, flatten_add, yields
from dynaguard.lint.core.names import call_name
from dynaguard.lint.core.project import FunctionRef, Project
from dynaguard.lint.core.taint import CLEAN, Spread, Taint, join_all, keep

_VIEWS = frozenset({"items", "keys", "values", "copy"})
"""Views of a dict that still hold all of it (a body spread stays a spread)."""
_MUTATORS = frozenset({"append", "extend", "add", "insert", "appendleft", "setdefault"})
"""Methods that put a value into their container."""


class Caller(Protocol):
    """Who runs the pass over a called function (memoised, depth-bounded)."""

    project: Project

    def call(self, ref: FunctionRef, env: dict[str, Taint]) -> Taint:
        """The value a tree function returns for arguments of this taint."""
        ...


class Interpreter:
    """Walk one function's statements, evaluating expressions to `Taint`."""

    def __init__(self, caller: Caller, ref: FunctionRef, env: dict[str, Taint]) -> None:
        self.caller = caller
        self.project = caller.project
        self.ref = ref
        self.module = ref.module
        self.env = dict(env)
        self.dicts: dict[str, dict[str, ast.expr]] = {}
        """Dict literals bound to local names, by key."""
        self.returns = CLEAN
        self.cache: dict[int, Taint] = {}
        self.texts = 0
        """How many messages for people (exceptions, logs) are being evaluated around the
        current node."""

    def run(self) -> Taint:
        self.enter()
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
            if isinstance(node.value, ast.Yield | ast.YieldFrom | ast.Await) and yields(node.value):
                self.returns = self.returns.join(value)
        elif isinstance(node, ast.Return) and node.value is not None:
            self.returns = self.returns.join(self.expr(node.value))
        elif isinstance(node, ast.If):
            self.expr(node.test)
            self.branch(node)
            self.block(node.body)
            self.block(node.orelse)
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
            self.block(node.body)
            for handler in node.handlers:
                if handler.name:
                    self.env[handler.name] = CLEAN
                self.handler(handler)
                self.block(handler.body)
            self.block(node.orelse)
            self.block(node.finalbody)
        elif isinstance(node, ast.Raise) and node.exc is not None:
            self.message(node.exc)
        elif isinstance(node, ast.Match):
            self.expr(node.subject)
            for case in node.cases:
                self.block(case.body)

    def message(self, node: ast.expr) -> Taint:
        """A message for people (an exception raised, a log line): evaluated, counted in
        `texts` meanwhile so a hook can tell its strings from data."""
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
        """`x[k] = v`, `x.a = v`: the container now also holds `v`'s provenance."""
        base = target.value
        if isinstance(base, ast.Name):
            current = self.env.get(base.id, CLEAN)
            self.env[base.id] = keep(current, current.join(value.plain()))

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
            cls = global_class(self.project, self.module, node.id)
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
            return self.string(node, parts, joined_by_hash=False)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.concatenation(node, flatten_add(node))
        if isinstance(node, ast.Dict):
            return self.dict_literal(node)
        if isinstance(node, ast.NamedExpr):
            value = self.expr(node.value)
            self.bind(node.target, value, None)
            return value
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            return self.comprehension(node)
        return join_all([self.expr(child) for child in children(node)]).plain()

    def attribute(self, node: ast.Attribute) -> Taint:
        base = self.expr(node.value)
        known = self.known_attribute(node, base)
        if known is not None:
            return known
        if base.cls is not None:
            cls = attribute_class(self.project, base.cls, node.attr)
            if cls is not None:
                return base.plain().instance(cls)
        if isinstance(node.value, ast.Name) and base is CLEAN:
            cls = None
            target = self.project.resolve_name(self.module, node.value.id)
            if target is not None and not isinstance(target, FunctionRef):
                cls = global_class(self.project, target, node.attr)
            if cls is not None:
                return Taint(cls=cls)
        return base.plain()

    def call(self, node: ast.Call) -> Taint:
        node = self.rewrite(node)
        receiver = self.expr(node.func.value) if isinstance(node.func, ast.Attribute) else CLEAN
        followed = self.object_call(node, receiver)
        if followed is not None:
            return followed
        sunk = self.sink(node)
        if sunk is not None:
            return sunk
        name = call_name(node.func)
        evaluate = self.message if self.is_message(name) else self.expr
        args = [evaluate(a) for a in node.args] + [evaluate(k.value) for k in node.keywords]
        joined = join_all([receiver.plain(), *(a.plain() for a in args)])
        known = self.known_call(node, name, receiver, args, joined)
        if known is not None:
            return known
        ref = self.resolve(node.func)
        if ref is not None:
            return self.caller.call(ref, self.bind_arguments(ref, node))
        constructed = find_class(self.project, self.module, node.func)
        if constructed is not None:
            return self.construct(node, constructed, joined)
        return joined

    def python_call(self, node: ast.Call, name: str, receiver: Taint, args: list[Taint]) -> bool:
        """A dict view keeps its dict (`body.items()`), a container method stores its argument
        (`items.append(x)`). True when the call returns its receiver."""
        if name in _VIEWS and receiver.spread is not None and not node.args:
            return True
        if name in _MUTATORS and isinstance(node.func, ast.Attribute):
            self.mutate(node.func.value, join_all(args))
        return False

    def object_call(self, node: ast.Call, receiver: Taint) -> Taint | None:
        """A call a model knows on an object, or a method of an object whose class the tree
        defines."""
        modelled = self.modelled_call(node, receiver)
        if modelled is not None:
            return modelled
        if receiver.cls is None and isinstance(node.func, ast.Attribute):
            return self.class_call(node, node.func)
        if receiver.cls is None or not isinstance(node.func, ast.Attribute):
            return None
        if isinstance(node.func.value, ast.Name) and node.func.value.id in ("self", "cls"):
            return None
        ref = method(self.project, receiver.cls, node.func.attr)
        if ref is None:
            return None
        env = self.bind_arguments(ref, node)
        env["self"] = receiver
        return self.caller.call(ref, env)

    def class_call(self, node: ast.Call, func: ast.Attribute) -> Taint | None:
        """`Repo.create(x)`: a classmethod or staticmethod called on its class."""
        cls = find_class(self.project, self.module, func.value)
        ref = method(self.project, cls, func.attr) if cls is not None else None
        if ref is None or cls is None:
            return None
        env = self.bind_arguments(ref, node)
        env["cls"] = env["self"] = Taint(cls=cls)
        return self.caller.call(ref, env)

    def construct(self, node: ast.Call, cls: ClassKey, joined: Taint) -> Taint:
        """`Repo(table)`, `ItemOut(**item)`: an object of a tree class; `__init__` is followed
        so what it stores is known, and the object keeps its arguments' provenance."""
        init = method(self.project, cls, "__init__")
        if init is not None:
            env = self.bind_arguments(init, node)
            env["self"] = Taint(cls=cls)
            self.caller.call(init, env)
        return Taint(
            joined.origins,
            joined.principal,
            joined.reads,
            cls=cls,
            model=cls[1],
            spread=self.built(node, cls),
        )

    def mutate(self, target: ast.expr, value: Taint) -> None:
        """`items.append(x)`: the container now holds `x`'s provenance."""
        if isinstance(target, ast.Name) and value is not CLEAN:
            current = self.env.get(target.id, CLEAN)
            self.env[target.id] = keep(current, current.join(value.plain()))

    def resolve(self, func: ast.expr) -> FunctionRef | None:
        return callee(self.project, self.ref, self.env, func)

    def bind_arguments(self, ref: FunctionRef, node: ast.Call) -> dict[str, Taint]:
        return arguments(ref, node, self.value, self.env)

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

    # hooks: what a framework or library makes of a node; the defaults are plain Python

    def enter(self) -> None:
        """Before the body runs (a model may record what the function's signature holds)."""

    def branch(self, node: ast.If) -> None:
        """After an `if`'s test, before its branches."""

    def handler(self, node: ast.ExceptHandler) -> None:
        """Before an `except` block runs."""

    def known_attribute(self, node: ast.Attribute, base: Taint) -> Taint | None:
        """The value of `base.attr` when a model knows it (a request's parts), else None."""
        return None

    def rewrite(self, node: ast.Call) -> ast.Call:
        """The call a wrapper stands for (`to_thread(f, x)` is `f(x)`)."""
        return node

    def modelled_call(self, node: ast.Call, receiver: Taint) -> Taint | None:
        """A call on an object a model knows (an ORM model's methods), else None."""
        return None

    def sink(self, node: ast.Call) -> Taint | None:
        """A call a model records as an effect (a database operation), else None."""
        return None

    def is_message(self, name: str) -> bool:
        """Whether a call of this name takes messages for people (its arguments are text)."""
        return False

    def known_call(
        self, node: ast.Call, name: str, receiver: Taint, args: list[Taint], joined: Taint
    ) -> Taint | None:
        """The value of a call whose meaning is known without its body, else None."""
        return receiver if self.python_call(node, name, receiver, args) else None

    def string(self, node: ast.expr, parts: list[ast.expr], joined_by_hash: bool) -> Taint:
        """A string built from `parts` (an f-string, a `+` chain, a `join`)."""
        return join_all([self.expr(part).plain() for part in parts])

    def concatenation(self, node: ast.BinOp, operands: list[ast.expr]) -> Taint:
        """`a + b + c`."""
        return join_all([self.expr(o) for o in operands]).plain()

    def dict_literal(self, node: ast.Dict) -> Taint:
        """`{k: v, **d}`: the provenance of its values."""
        result = CLEAN
        for key, value_node in zip(node.keys, node.values, strict=True):
            value = self.expr(value_node)
            if key is not None:
                self.expr(key)
            result = result.join(value.plain())
        return result

    def built(self, node: ast.Call, cls: ClassKey) -> Spread | None:
        """What an object built by `node` holds field by field, when a model tracks it."""
        return None
