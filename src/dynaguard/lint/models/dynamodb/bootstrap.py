"""Table bootstrap: a `create_table` that runs only when the table is missing.

Repositories commonly make sure their table exists when they are built: they call
`describe_table` (or PynamoDB's `exists()`, a resource's `load()`, `list_tables`) and create the
table only when it is absent (`except ResourceNotFoundException:`, `if not Model.exists():`,
`if name not in client.list_tables()["TableNames"]:`). When such a constructor sits in a
dependency, the create is reachable from a route, but it is start-up work on a fixed table, not
a control-plane operation a caller chooses. DG110 stays for creates with no such guard, for
names or parameters from the request, and for every `delete_table`/`update_table`.
"""

from __future__ import annotations

import ast
import re

from dynaguard.lint.core.names import call_name
from dynaguard.lint.core.project import FunctionNode, Project, walk

_PROBES = frozenset(
    {"describe_table", "load", "exists", "table_exists", "wait_until_exists", "list_tables"}
)
"""Calls that ask whether a table exists."""
_MISSING = re.compile(r"ResourceNotFound|TableDoesNotExist|DoesNotExist|NotFound")
"""Exceptions (or error codes) that say a table is missing."""
_EXISTENCE_WORDS = re.compile(r"exist|list_tables|TableNames|tables$|table_names", re.IGNORECASE)
"""Names in an `if` test that ask whether a table is there."""


def guarded_create(project: Project, function: FunctionNode, call: ast.Call) -> bool:
    """Whether `call` (a `create_table`) runs only after an existence probe said "missing"."""
    for stmt, branch in _enclosing(project, function.body, call):
        if (
            isinstance(stmt, ast.Try)
            and branch == "handler"
            and (_probes(stmt.body) or any(_catches_missing(h) for h in stmt.handlers))
        ):
            return True
        if isinstance(stmt, ast.If) and branch == "body" and _asks_existence(stmt.test):
            return True
    return False


def _enclosing(
    project: Project, body: list[ast.stmt], target: ast.AST
) -> list[tuple[ast.stmt, str]]:
    """The compound statements around `target`, outermost first, with the part holding it."""
    for stmt in body:
        if not any(node is target for node in project.nodes(stmt)):
            continue
        parts: list[tuple[str, list[ast.stmt]]] = []
        if isinstance(stmt, ast.Try | ast.TryStar):
            parts = [("body", stmt.body), ("else", stmt.orelse), ("finally", stmt.finalbody)]
            parts += [("handler", h.body) for h in stmt.handlers]
        elif isinstance(stmt, ast.If | ast.For | ast.AsyncFor | ast.While):
            parts = [("body", stmt.body), ("else", stmt.orelse)]
        elif isinstance(stmt, ast.With | ast.AsyncWith):
            parts = [("body", stmt.body)]
        for branch, block in parts:
            inner = _enclosing(project, block, target)
            if inner or any(n is target for s in block for n in project.nodes(s)):
                return [(stmt, branch), *inner]
        return []
    return []


def _probes(body: list[ast.stmt]) -> bool:
    return any(
        isinstance(node, ast.Call) and call_name(node.func) in _PROBES
        for stmt in body
        for node in walk(stmt)
    ) or any(
        isinstance(node, ast.Attribute) and node.attr == "table_status"
        for stmt in body
        for node in walk(stmt)
    )


def _catches_missing(handler: ast.ExceptHandler) -> bool:
    nodes = [*(walk(handler.type) if handler.type is not None else []), *handler.body]
    for node in nodes:
        for sub in walk(node):
            text = ""
            if isinstance(sub, ast.Name | ast.Attribute):
                text = call_name(sub)
            elif isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                text = sub.value
            if text and _MISSING.search(text):
                return True
    return False


def _asks_existence(test: ast.expr) -> bool:
    for node in walk(test):
        if isinstance(node, ast.Call) and call_name(node.func) in _PROBES:
            return True
        if isinstance(node, ast.Name | ast.Attribute) and _EXISTENCE_WORDS.search(call_name(node)):
            return True
    return False
