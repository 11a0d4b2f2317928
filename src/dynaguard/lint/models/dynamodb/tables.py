"""Which table a DynamoDB call touches, and whether that table's items carry an owner.

A table (boto3 `Table("products")`, `TableName=...`, a repository's `self.table`, a PynamoDB
model) is **owned** when some call in the project shows that its items belong to someone: an
owner-like attribute by name in a key, an item, an expression or the model written
(`owner_id`, `user_id`, `author`, `created_by`, `tenant`, `org_id`, `USER#...` keys), or a value
derived from the principal written into it or used as its key. A users table (its name says so,
or its items hold a password) is owned by definition. A table with none of this holds
**ownerless** data: a catalogue, a shared list, a notes app without users.

Tables are told apart within a *scope*: the modules connected by imports. A project is one
scope; unrelated trees linted together (a fixture corpus) do not lend each other evidence. A
call whose table cannot be named counts for its scope as a whole: its evidence makes every
table of the scope owned, and it is ownerless only when nothing in the scope has an owner.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from dynaguard.lint.core.project import Module, Project

_OWNER_TOKEN = re.compile(
    r"owner|author|creator|created_?by|tenant|uploader|assignee|posted_?by"
    r"|^(user|org|organi[sz]ation|account|customer|member|profile|seller|buyer)_?(id|sub)$"
    r"|^(user|uid|username|user_?name|user_?email)$",
    re.IGNORECASE,
)
_OWNER_PREFIX = re.compile(
    r"(^|#)(USER|TENANT|ORG|ACCOUNT|OWNER|CUSTOMER|MEMBER|PROFILE)#", re.IGNORECASE
)
_USERS_TABLE = re.compile(r"user|account|member|profile|customer|credential|login", re.IGNORECASE)
_PASSWORD = re.compile(r"password|passwd|pwd_hash|hashed_pw", re.IGNORECASE)
_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ENV_READERS = frozenset({"getenv", "get", "environ"})
_MAX_HOPS = 4


@dataclass(frozen=True)
class TableRef:
    """A table as the linter can name it: the scope it lives in and its name (None: unnamed)."""

    scope: int
    name: str | None


def owner_like(text: str) -> bool:
    """A string naming an owner attribute (`owner_id`, `#author`) or an owner-keyed prefix
    (`USER#`); also true for a password attribute (the item is a user's account)."""
    if _OWNER_PREFIX.search(text) or _PASSWORD.search(text):
        return True
    return any(_OWNER_TOKEN.search(token) for token in _TOKEN.findall(text))


def users_table(name: str | None) -> bool:
    return name is not None and bool(_USERS_TABLE.search(name))


@dataclass
class Ownership:
    """Evidence gathered over one run: which tables were accessed and which are owned."""

    owned: set[TableRef] = field(default_factory=set)
    accessed: set[TableRef] = field(default_factory=set)
    _owned_scopes: set[int] = field(default_factory=set)
    _unnamed_owned: set[int] = field(default_factory=set)

    def record(self, table: TableRef, owned: bool) -> None:
        self.accessed.add(table)
        if owned or users_table(table.name):
            self.owned.add(table)
            self._owned_scopes.add(table.scope)
            if table.name is None:
                self._unnamed_owned.add(table.scope)

    def ownerless(self, table: TableRef | None) -> bool:
        """True when nothing in the run says the table's items belong to anyone."""
        if table is None or table in self.owned or users_table(table.name):
            return False
        if table.name is None:
            return table.scope not in self._owned_scopes
        return table.scope not in self._unnamed_owned


def scope_of(project: Project, module: Module) -> int:
    """The connected component of the import graph that holds `module` (cached per run)."""
    key = ("table-scopes",)
    scopes = project.cache.get(key)
    if not isinstance(scopes, dict):
        scopes = _components(project)
        project.cache[key] = scopes
    found = scopes.get(module.name, 0)
    return found if isinstance(found, int) else 0


def _components(project: Project) -> dict[str, int]:
    parent: dict[str, str] = {name: name for name in project.modules}

    def root(name: str) -> str:
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    for module in sorted(project.modules.values(), key=lambda m: m.name):
        for source, attr in module.imports.values():
            target = project.find_module(source, module.name) if source else None
            if target is None and attr is not None:
                target = project.find_module(f"{source}.{attr}", module.name)
            if target is not None and target.name in parent:
                a, b = root(module.name), root(target.name)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    numbers: dict[str, int] = {}
    result: dict[str, int] = {}
    for name in sorted(parent):
        result[name] = numbers.setdefault(root(name), len(numbers) + 1)
    return result


def name_of(module: Module, node: ast.expr, hops: int = 0) -> str | None:
    """A stable name for a table-name expression: the literal, the environment variable read,
    the constant a module-level name holds, or the expression's text."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        text = "".join(
            str(v.value) if isinstance(v, ast.Constant) else "{}" for v in node.values
        ).strip("{}-_")
        return text or ast.unparse(node)
    if isinstance(node, ast.Subscript) and _is_environ(node.value):
        return name_of(module, node.slice, hops + 1)
    if isinstance(node, ast.Call) and _is_env_read(node) and node.args:
        return name_of(module, node.args[0], hops + 1)
    if isinstance(node, ast.Name) and hops < _MAX_HOPS:
        value = module.globals.get(node.id)
        if value is not None:
            return name_of(module, value, hops + 1)
    return ast.unparse(node)


def _is_environ(node: ast.expr) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr == "environ"
    return isinstance(node, ast.Name) and node.id == "environ"


def _is_env_read(node: ast.Call) -> bool:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr in _ENV_READERS and (func.attr == "getenv" or _is_environ(func.value))
    return isinstance(func, ast.Name) and func.id == "getenv"


def table_call_name(module: Module, node: ast.expr) -> str | None:
    """`resource.Table(X)` (awaited or not): the name of X; None for anything else."""
    if isinstance(node, ast.Await):
        node = node.value
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "Table"
        and node.args
    ):
        return name_of(module, node.args[0])
    return None


def receiver_name(
    project: Project, module: Module, function: ast.AST, owner: str | None, node: ast.expr
) -> str | None:
    """The table a call's receiver stands for: a `Table(...)` call, a local or module-level
    name assigned one, or a repository's `self.<attr>` (named `Class.attr` when what `__init__`
    stores is a parameter). None when the receiver is a parameter the linter cannot trace."""
    return trace(project, module, function, owner, node)[0]


def is_table(
    project: Project, module: Module, function: ast.AST, owner: str | None, node: ast.expr
) -> bool:
    """Whether the receiver is traced to a `resource.Table(...)` call (so `x.scan()` on it is
    DynamoDB's, whatever the variable is called)."""
    return trace(project, module, function, owner, node)[1]


def trace(
    project: Project, module: Module, function: ast.AST, owner: str | None, node: ast.expr
) -> tuple[str | None, bool]:
    """`receiver_name`, and whether the trace ended at a `Table(...)` call or a DynamoDB client
    (`client("dynamodb")`, aiobotocore's `create_client("dynamodb")`)."""
    for _ in range(_MAX_HOPS):
        named = table_call_name(module, node)
        if named is not None:
            return named, True
        if _creates_client(node):
            return None, True
        if isinstance(node, ast.Await):
            node = node.value
            continue
        if isinstance(node, ast.Name):
            assigned = _local_value(project, function, node.id)
            if assigned is None:
                assigned, module = _global_value(project, module, node.id)
            if assigned is None:
                return None, False
            node = assigned
            continue
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in ("self", "cls")
            and owner is not None
        ):
            getter = _property(module, owner, node.attr)
            if getter is not None:
                function, node = getter
                continue
            stored = _stored_on_self(project, module, owner, node.attr)
            if stored is not None:
                named = table_call_name(module, stored)
                if named is not None:
                    return named, True
                if _creates_client(stored):
                    return None, True
            return f"{owner}.{node.attr}", False
        return None, False
    return None, False


def _creates_client(node: ast.expr) -> bool:
    """`boto3.client("dynamodb")`, `session.create_client("dynamodb")`, `resource("dynamodb")`."""
    if isinstance(node, ast.Await):
        node = node.value
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute | ast.Name)
        and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
        in ("client", "create_client", "resource")
        and bool(node.args)
        and isinstance(node.args[0], ast.Constant)
        and node.args[0].value == "dynamodb"
    )


def _property(module: Module, owner: str, attr: str) -> tuple[ast.AST, ast.expr] | None:
    """A `@property` of the class and the expression it returns."""
    cls = module.classes.get(owner)
    for stmt in cls.body if cls is not None else []:
        if (
            isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef)
            and stmt.name == attr
            and any(
                isinstance(d, ast.Name) and d.id in ("property", "cached_property")
                for d in stmt.decorator_list
            )
        ):
            for sub in ast.walk(stmt):
                if isinstance(sub, ast.Return) and sub.value is not None:
                    return stmt, sub.value
    return None


def _local_value(project: Project, function: ast.AST, name: str) -> ast.expr | None:
    """What a local name is first assigned (`x = ...`, `with ... as x`); indexed once per
    function and run."""
    key = ("local-values", id(function))
    cached = project.cache.get(key)
    if not (isinstance(cached, tuple) and cached[0] is function):
        values: dict[str, ast.expr] = {}
        for sub in project.nodes(function):
            if isinstance(sub, ast.Assign):
                for target in sub.targets:
                    if isinstance(target, ast.Name):
                        values.setdefault(target.id, sub.value)
            elif isinstance(sub, ast.withitem) and isinstance(sub.optional_vars, ast.Name):
                values.setdefault(sub.optional_vars.id, sub.context_expr)
        cached = (function, values)
        project.cache[key] = cached
    found: ast.expr | None = cached[1].get(name)
    return found


def _global_value(project: Project, module: Module, name: str) -> tuple[ast.expr | None, Module]:
    if name in module.globals:
        return module.globals[name], module
    if name in module.imports:
        source, attr = module.imports[name]
        target = project.find_module(source, module.name) if attr is not None else None
        if target is not None and attr in target.globals:
            return target.globals[attr], target
    return None, module


def _stored_on_self(project: Project, module: Module, owner: str, attr: str) -> ast.expr | None:
    cls = module.classes.get(owner)
    if cls is None:
        return None
    for stmt in cls.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            for sub in project.nodes(stmt):
                if isinstance(sub, ast.Assign) and any(
                    isinstance(t, ast.Attribute)
                    and t.attr == attr
                    and isinstance(t.value, ast.Name)
                    and t.value.id == "self"
                    for t in sub.targets
                ):
                    return sub.value
    return None
