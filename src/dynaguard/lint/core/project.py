"""An index of the linted tree: modules, functions, classes, imports and dependency aliases.

It exists so calls, dependency targets and `Annotated` aliases can be followed across files.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from dynaguard.lint.core.injection import NONE as NO_INJECTION
from dynaguard.lint.core.injection import Injection

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
_FUNCTION_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef)
"""For `isinstance` in hot loops: a tuple is tested faster than a union."""
_SCANNED = frozenset({ast.Assign, ast.Call, *_FUNCTION_TYPES})
"""The node classes `_scan` looks at (the parser builds no subclasses of them)."""


_BUILTIN_TYPES = frozenset({"identifier", "int", "string", "constant"})
_PLANS: dict[type, tuple[str, ...]] = {}


def _child_fields(cls: type) -> tuple[str, ...]:
    """The fields of an AST class that can hold nodes: its `_fields` minus those its grammar line
    (the class docstring, `Name(identifier id, expr_context ctx)`) types as identifier, int,
    string or constant, which never do. A class without such a line keeps all its fields."""
    fields: tuple[str, ...] = getattr(cls, "_fields", ())
    head, _, rest = (cls.__doc__ or "").partition("(")
    scalar: set[str] = set()
    if head == cls.__name__ and rest.endswith(")"):
        for declaration in rest[:-1].split(", "):
            kind, _, name = declaration.rpartition(" ")
            if kind.rstrip("*?") in _BUILTIN_TYPES:
                scalar.add(name)
    return tuple(name for name in fields if name not in scalar)


def _plan(cls: type) -> tuple[str, ...]:
    plan = _PLANS.get(cls)
    if plan is None:
        plan = _PLANS[cls] = _child_fields(cls)
    return plan


def children(node: ast.AST) -> list[ast.AST]:
    """`ast.iter_child_nodes(node)` as a list (same order), without `iter_fields`' overhead:
    only the fields that can hold nodes are read (see `_child_fields`)."""
    found: list[ast.AST] = []
    for name in _PLANS.get(node.__class__) or _plan(node.__class__):
        value = getattr(node, name, None)
        if value.__class__ is list:
            found.extend([item for item in value if item is not None])
        elif value is not None:
            found.append(value)
    return found


def walk(node: ast.AST) -> list[ast.AST]:
    """Every node below `node` (itself first), in the breadth-first order of `ast.walk`, as a
    list; several times faster than `ast.walk`: it reads only the fields that can hold nodes
    (`_child_fields`), and a parsed tree's lists hold only nodes or `None` (`Dict.keys`)."""
    out = [node]
    append = out.append
    plans = _PLANS
    for current in out:  # grows while iterated: breadth-first
        plan = plans.get(current.__class__)
        if plan is None:
            plan = _plan(current.__class__)
        for name in plan:
            value = getattr(current, name, None)
            if value.__class__ is list:
                for item in value:
                    if item is not None:
                        append(item)
            elif value is not None:
                append(value)
    return out


@dataclass
class Module:
    """One parsed file and the names it defines or imports."""

    name: str
    path: Path
    display: str
    tree: ast.Module
    lines: list[str]
    functions: dict[str, FunctionNode] = field(default_factory=dict)
    classes: dict[str, ast.ClassDef] = field(default_factory=dict)
    imports: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    aliases: dict[str, ast.expr] = field(default_factory=dict)
    nested: dict[str, FunctionNode] = field(default_factory=dict)
    nested_all: list[FunctionNode] = field(default_factory=list)
    factory_assigns: list[ast.Assign] = field(default_factory=list)
    method_calls: dict[str, list[ast.Call]] = field(default_factory=dict)
    """Calls of the methods the models asked for (`Project.collected_methods`), by name."""
    globals: dict[str, ast.expr] = field(default_factory=dict)
    walks: dict[int, tuple[ast.AST, list[ast.AST]]] = field(default_factory=dict)
    """`walk(fn)` of the module's functions that hold no nested function, from `_scan`."""


@dataclass(frozen=True)
class FunctionRef:
    """A function found in the tree; `owner` is the class for methods."""

    module: Module
    node: FunctionNode
    owner: str | None = None

    @property
    def key(self) -> tuple[str, str | None, str, int]:
        return (self.module.name, self.owner, self.node.name, self.node.lineno)


def module_name(path: Path) -> str:
    """Dotted name as Python would import it: climb while the parent is a package."""
    parts = [path.stem] if path.stem != "__init__" else []
    parent = path.parent
    while (parent / "__init__.py").is_file():
        parts.insert(0, parent.name)
        if parent.parent == parent:
            break
        parent = parent.parent
    return ".".join(parts) or path.parent.name


def _absolute(module: Module, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.name.split(".")
    if module.path.stem != "__init__":
        package = package[:-1]
    if node.level > 1:
        package = package[: len(package) - (node.level - 1)]
    return ".".join([*package, *([node.module] if node.module else [])])


def _index(module: Module, methods: frozenset[str]) -> None:
    _scan(module, methods)
    for node in module.tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            module.functions[node.name] = node
        elif isinstance(node, ast.ClassDef):
            module.classes[node.name] = node
        elif isinstance(node, ast.Import):
            for alias in node.names:
                module.imports[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0],
                    None,
                )
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, node)
            for alias in node.names:
                module.imports[alias.asname or alias.name] = (source, alias.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            _maybe_alias(module, node)
            _maybe_global(module, node)


def _scan(module: Module, methods: frozenset[str]) -> None:
    """One walk over the tree for everything later passes look up: assignments of a call's
    result, calls of the `methods` asked for, functions nested in functions; and
    `module.walks`, each function's `walk` (the module's breadth-first order restricted to its
    subtree is exactly the subtree's own), for the functions that hold no nested function
    (those are walked on demand)."""
    top = {id(n) for n in module.tree.body}
    in_class = {id(s) for c in module.tree.body if isinstance(c, ast.ClassDef) for s in c.body}
    out: list[ast.AST] = [module.tree]
    append = out.append
    owners: list[list[ast.AST] | None] = [None]
    """The walk of the innermost function each node of `out` sits in, if any."""
    owned = owners.append
    outer: set[int] = set()
    plans = _PLANS
    for index, node in enumerate(out):  # grows while iterated: breadth-first, as `walk`
        owner = owners[index]
        if node.__class__ in _SCANNED:  # most nodes: one set lookup
            if isinstance(node, ast.Assign):
                if isinstance(node.value, ast.Call):
                    module.factory_assigns.append(node)
            elif isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Attribute) and func.attr in methods:
                    module.method_calls.setdefault(func.attr, []).append(node)
            elif isinstance(node, _FUNCTION_TYPES):
                if id(node) not in top and id(node) not in in_class:
                    module.nested.setdefault(node.name, node)
                    module.nested_all.append(node)
                if owner is not None:
                    outer.add(id(owner[0]))
                owner = [node]
                module.walks[id(node)] = (node, owner)
        for name in plans.get(node.__class__) or _plan(node.__class__):
            value = getattr(node, name, None)
            if value.__class__ is list:
                for item in value:
                    if item is not None:
                        append(item)
                        owned(owner)
                        if owner is not None:
                            owner.append(item)
            elif value is not None:
                append(value)
                owned(owner)
                if owner is not None:
                    owner.append(value)
    for key in outer:
        del module.walks[key]


def _maybe_global(module: Module, node: ast.Assign | ast.AnnAssign) -> None:
    """Module-level objects (`repo = ItemRepo()`), so their class can be known where imported."""
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    value = node.value
    if isinstance(node, ast.AnnAssign) and value is None:
        value = node.annotation
    if value is None:
        return
    for target in targets:
        if isinstance(target, ast.Name):
            module.globals[target.id] = value


def _maybe_alias(module: Module, node: ast.Assign | ast.AnnAssign) -> None:
    value = node.value
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    if not isinstance(value, ast.Subscript):
        return
    head = value.value
    head_name = head.attr if isinstance(head, ast.Attribute) else getattr(head, "id", "")
    if head_name != "Annotated":
        return
    for target in targets:
        if isinstance(target, ast.Name):
            module.aliases[target.id] = value


State = TypeVar("State")


@dataclass
class Project:
    """All modules of one run, addressable by dotted name."""

    modules: dict[str, Module] = field(default_factory=dict)
    models: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    """Fields of every tree class, keyed by (module, class): two modules may both define
    `ItemIn` with different fields."""
    class_names: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    _by_place: dict[tuple[str, tuple[str, ...]], Module] = field(default_factory=dict)
    """For every dotted suffix of a module name (`c`, `b.c`, `a.b.c` for `a.b.c`) and every
    leading part of its package (`()`, `("a",)`, `("a", "b")`), the module of smallest name
    with both; built on the first search after the last `add`."""
    _found: dict[tuple[str, tuple[str, ...]], Module | None] = field(default_factory=dict)
    """`_search` answers by (dotted, importer's package): only the package counts."""
    _asked: dict[tuple[str, str], Module | None] = field(default_factory=dict)
    """`_found` by (dotted, importer), so a repeated question costs one lookup."""
    class_cache: dict[tuple[object, ...], tuple[str, str] | None] = field(default_factory=dict)
    memo: dict[tuple[object, ...], bool] = field(default_factory=dict)
    graph: dict[tuple[object, ...], list[FunctionRef]] = field(default_factory=dict)
    cache: dict[tuple[object, ...], object] = field(default_factory=dict)
    """Per-run answers about one function or node (its locals, its auth-flow verdict, ...),
    computed once however many routes ask."""
    injection: Injection = NO_INJECTION
    """How the framework injects objects (the models say; the core only follows it)."""
    collected_methods: frozenset[str] = frozenset()
    """Method calls indexed per module while it is scanned (a model's `include_router`)."""
    _states: dict[type, object] = field(default_factory=dict)
    _walks: dict[int, tuple[ast.AST, list[ast.AST]]] = field(default_factory=dict)
    _calls: dict[int, tuple[ast.AST, list[ast.Call]]] = field(default_factory=dict)
    _raising: dict[int, tuple[ast.AST, bool]] = field(default_factory=dict)

    def state(self, kind: type[State]) -> State:
        """The run's one `kind()` (made on first use): what a model remembers across the run
        (its settings, its verdicts, its rewrites) without the core knowing what it is."""
        found = self._states.get(kind)
        if found is None:
            found = self._states[kind] = kind()
        assert isinstance(found, kind)
        return found

    def nodes(self, node: ast.AST) -> list[ast.AST]:
        """`ast.walk(node)` as a list, walked once per run (the node is kept, so its id stays
        unique while cached)."""
        cached = self._walks.get(id(node))
        if cached is None or cached[0] is not node:
            cached = (node, walk(node))
            self._walks[id(node)] = cached
        return cached[1]

    def calls(self, node: ast.AST) -> list[ast.Call]:
        """Every call below `node`, nested functions and lambdas included, in walk order."""
        cached = self._calls.get(id(node))
        if cached is None or cached[0] is not node:
            cached = (node, [n for n in self.nodes(node) if isinstance(n, ast.Call)])
            self._calls[id(node)] = cached
        return cached[1]

    def mentions(self, module: Module, words: tuple[str, ...]) -> bool:
        """Whether the module's source contains any of `words` (a cheap test run before a
        walk that could only find something where they appear; cached per run)."""
        key = ("mentions", module.name, words)
        cached = self.memo.get(key)
        if cached is None:
            text = "\n".join(module.lines)
            cached = self.memo[key] = any(word in text for word in words)
        return cached

    def may_raise(self, node: FunctionNode) -> bool:
        """Whether a `raise` statement sits anywhere below the function, nested code included
        (cached per run)."""
        known = self._raising.get(id(node))
        if known is None or known[0] is not node:
            known = (node, any(isinstance(sub, ast.Raise) for sub in self.nodes(node)))
            self._raising[id(node)] = known
        return known[1]

    def add(self, module: Module) -> None:
        _index(module, self.collected_methods)
        self._walks.update(module.walks)
        self.modules[module.name] = module
        self._by_place.clear()
        self._found.clear()
        self._asked.clear()

    def _classes_for(self, name: str, cls: tuple[str, str] | None) -> list[tuple[str, str]]:
        """The class a value's model names: its resolved class when known, else every tree
        class of that bare name (a name defined once is unambiguous)."""
        if cls is not None and cls in self.models:
            return [cls]
        return self.class_names.get(name, [])

    def model_fields(self, name: str, cls: tuple[str, str] | None = None) -> frozenset[str] | None:
        """Fields of the model a body is parsed into; None when the tree does not define it.
        A bare name several modules define, with no resolved class, gets the union of their
        fields (never the last module's, which would depend on file order)."""
        keys = self._classes_for(name, cls)
        if not keys:
            return None
        return frozenset().union(*(self.models[k] for k in keys))

    def find_module(self, dotted: str, importer: str = "") -> Module | None:
        """Exact dotted name, else a module whose name ends with it (the tree was rooted higher
        or lower than the import root). Several candidates: the one sharing the longest package
        prefix with the importer, then the shortest name, so the answer never depends on order."""
        if dotted in self.modules:
            return self.modules[dotted]
        asked = (dotted, importer)
        if asked in self._asked:
            return self._asked[asked]
        cache_key = (dotted, tuple(importer.split(".")[:-1]))
        if cache_key not in self._found:
            self._found[cache_key] = self._search(dotted, importer)
        self._asked[asked] = self._found[cache_key]
        return self._found[cache_key]

    def _search(self, dotted: str, importer: str) -> Module | None:
        """The candidates sharing the most leading package parts with the importer, then the
        smallest name: the longest importer package prefix that some candidate has wins."""
        if not self._by_place:
            self._index_places()
        parts = dotted.split(".")
        package = tuple(importer.split(".")[:-1])
        for start in range(len(parts)):
            suffix = ".".join(parts[start:])
            if (suffix, ()) in self._by_place:
                for shared in range(len(package), -1, -1):
                    found = self._by_place.get((suffix, package[:shared]))
                    if found is not None:
                        return found
        return None

    def _index_places(self) -> None:
        for module in self.modules.values():
            parts = module.name.split(".")
            package = tuple(parts[:-1])
            for start in range(len(parts)):
                suffix = ".".join(parts[start:])
                for shared in range(len(package) + 1):
                    key = (suffix, package[:shared])
                    best = self._by_place.get(key)
                    if best is None or module.name < best.name:
                        self._by_place[key] = module

    def resolve_name(self, module: Module, name: str) -> FunctionRef | Module | None:
        """The function or module a bare name stands for in `module`, if it is in the tree."""
        if name in module.functions:
            return FunctionRef(module, module.functions[name])
        if name not in module.imports:
            return None
        source, attr = module.imports[name]
        if attr is None:
            return self.find_module(source, module.name)
        target = self.find_module(source, module.name)
        if target is not None and attr in target.functions:
            return FunctionRef(target, target.functions[attr])
        if target is not None and target is not module and attr in target.imports:
            found = self.resolve_name(target, attr)
            if isinstance(found, FunctionRef):
                return found
        dotted = f"{source}.{attr}" if source else attr
        return self.find_module(dotted, module.name)

    def alias(self, module: Module, name: str) -> ast.expr | None:
        """An `X = Annotated[...]` alias visible under `name` in `module`."""
        if name in module.aliases:
            return module.aliases[name]
        if name in module.imports:
            source, attr = module.imports[name]
            target = self.find_module(source, module.name)
            if target is not None and attr is not None and attr in target.aliases:
                return target.aliases[attr]
        return None
