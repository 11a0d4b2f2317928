"""Recognise DynamoDB calls (boto3 Table, low-level client, aioboto3) and name their parts.

A call counts only if it uses boto3's own keyword names, so a project's wrapper that happens to be
called `get_item(principal, item_id)` is not mistaken for the raw API.
"""

from __future__ import annotations

import ast
import re

from dynaguard.lint.core.literals import dict_entries as dict_entries
from dynaguard.lint.core.names import call_name
from dynaguard.lint.core.project import Project, walk
from dynaguard.lint.models.libraries.libcalls import CONTROL_KEYWORDS, CONTROL_PLANE, generates_key

READS = frozenset({"get_item", "query", "batch_get_item", "transact_get_items"})
WRITES = frozenset({"put_item", "update_item", "delete_item"})
TRANSACT_WRITE = "transact_write_items"
SCAN = "scan"
_OPERATIONS = READS | WRITES | {TRANSACT_WRITE, SCAN}
BOTO_KEYWORDS = frozenset(
    {
        "Key",
        "Item",
        "KeyConditionExpression",
        "KeyConditions",
        "TableName",
        "RequestItems",
        "TransactItems",
        "ConditionExpression",
        "UpdateExpression",
        "FilterExpression",
        "ScanFilter",
        "ExclusiveStartKey",
        "IndexName",
        "ProjectionExpression",
        "Select",
        "Limit",
    }
)
_TABLE_WORDS = re.compile(r"table|client|ddb|dynamo|db", re.IGNORECASE)
_NATURAL_KEYS = frozenset({"slug", "sku", "key", "uuid", "sid", "token"})
_TABLE_NAME = re.compile(r"table$", re.IGNORECASE)
_PLACEHOLDER = re.compile(r":[A-Za-z0-9_]+")
KEY_ATTRIBUTES = frozenset({"pk", "sk", "PK", "SK", "id", "Id", "ID"})
OWNERSHIP_FIELDS = frozenset(
    {
        "owner_id",
        "owner",
        "ownerId",
        "user_id",
        "userId",
        "org_id",
        "orgId",
        "organization_id",
        "tenant_id",
        "tenantId",
        "tenant",
        "account_id",
        "role",
        "roles",
        "is_admin",
        "isAdmin",
        "admin",
        "is_superuser",
        "permissions",
        "scopes",
        "created_by",
        "customer_id",
        "customerId",
        "author_id",
        "authorId",
        "pk",
        "sk",
        "PK",
        "SK",
    }
)


def operation(call: ast.Call) -> str | None:
    """The DynamoDB operation a call performs, or None if it is not one. Control-plane calls
    come back by name (`create_table`); `table.delete()` on a Table resource is `delete_table`."""
    if not isinstance(call.func, ast.Attribute):
        return None
    attr = call.func.attr
    receiver = call_name(call.func.value)
    if attr in CONTROL_PLANE:
        if {k.arg for k in call.keywords if k.arg} & CONTROL_KEYWORDS:
            return attr
        splat = any(k.arg is None for k in call.keywords)
        if splat and not call.args and _TABLE_WORDS.search(receiver):
            return attr
    if attr == "delete" and not call.args and not call.keywords and _TABLE_NAME.search(receiver):
        return "delete_table"
    if attr not in _OPERATIONS:
        return None
    if {k.arg for k in call.keywords if k.arg} & BOTO_KEYWORDS:
        return call.func.attr
    receiver = call_name(call.func.value)
    splat = any(k.arg is None for k in call.keywords)
    if (splat or call.func.attr == SCAN) and not call.args and _TABLE_WORDS.search(receiver):
        return call.func.attr
    return None


def keywords(call: ast.Call) -> dict[str, ast.expr]:
    """Named arguments of a call (`**kwargs` splats are ignored)."""
    return {k.arg: k.value for k in call.keywords if k.arg}


def placeholders(expression: ast.expr | None) -> frozenset[str] | None:
    """`:name` placeholders a literal expression string uses; None when it is not literal."""
    if isinstance(expression, ast.Constant) and isinstance(expression.value, str):
        return frozenset(_PLACEHOLDER.findall(expression.value))
    if isinstance(expression, ast.JoinedStr):
        parts = [v.value for v in expression.values if isinstance(v, ast.Constant)]
        return frozenset(_PLACEHOLDER.findall("".join(str(p) for p in parts)))
    return None


def referenced_values(expression: ast.expr | None, values: ast.expr | None) -> list[ast.expr]:
    """The ExpressionAttributeValues entries an expression string refers to."""
    if values is None:
        return []
    used = placeholders(expression)
    entries = dict_entries(values)
    if used is None or not isinstance(values, ast.Dict):
        return [values]
    return [node for name, node in entries.items() if name in used]


def creates_only(condition: ast.expr | None) -> bool:
    """True for `attribute_not_exists(...)` conditions: the write cannot overwrite anything."""
    if condition is None:
        return False
    for node in walk(condition):
        if isinstance(node, ast.Constant) and "attribute_not_exists" in str(node.value):
            return True
        if isinstance(node, ast.Call) and call_name(node.func) in ("not_exists", "does_not_exist"):
            return True
    return False


def item_key_entries(entries: dict[str, ast.expr]) -> list[ast.expr]:
    """Values of an Item literal that look like its key attributes."""
    keys = [v for k, v in entries.items() if k in KEY_ATTRIBUTES or k in _NATURAL_KEYS]
    if not keys:
        keys = [
            v
            for k, v in entries.items()
            if (k.endswith(("_id", "Id")) and k not in OWNERSHIP_FIELDS)
        ]
    if not keys:
        keys = [v for k, v in entries.items() if k.endswith(("_id", "Id"))]
    return keys


def server_keyed(project: Project, name: str, cls: tuple[str, str] | None = None) -> bool:
    """Every key-like field of the model has a server-side default (see `_generates_key`);
    a bare name several modules define needs it in all of them (cached per run)."""
    keys = [cls] if cls is not None and cls in project.models else project.class_names.get(name, [])
    if not keys:
        return False
    for key in keys:
        memo = ("server_keyed", key)
        if memo not in project.memo:
            module = project.modules[key[0]]
            project.memo[memo] = _generates_key(module.classes[key[1]])
        if not project.memo[memo]:
            return False
    return True


_KEYISH = frozenset({"pk", "sk", "PK", "SK", "id", "Id", "ID", "key", "uuid"})
_REFERENCE = re.compile(r"(owner|user|tenant|org|account|customer|author|creator)_?id$", re.I)
"""`*_id` fields that point at who owns the item, not the item's own key."""


def _generates_key(cls: ast.ClassDef) -> bool:
    """Every key-like field of the class has a server-side default (uuid4, ulid, secrets...)."""
    fields = [
        (stmt.target.id, stmt)
        for stmt in cls.body
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)
    ]
    keyed = [stmt for name, stmt in fields if name in _KEYISH]
    if not keyed:
        keyed = [
            stmt
            for name, stmt in fields
            if name.endswith(("_id", "Id")) and not _REFERENCE.match(name)
        ]
    if not keyed:
        return False
    for stmt in keyed:
        names = (
            [
                (n.attr if isinstance(n, ast.Attribute) else getattr(n, "id", ""))
                for n in walk(stmt.value)
            ]
            if stmt.value is not None
            else []
        )
        if not any(generates_key(name, "uuid") for name in names if name):
            return False
    return True
