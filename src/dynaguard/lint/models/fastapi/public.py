"""Routes the code's owner declares public: their reads are meant for anyone.

Three ways, all visible in review:
- a comment on the route decorator (or the line above it): `# dynaguard: public <why>`;
- `[tool.dynaguard.lint] public = ["GET /products/*"]`, globs over `METHOD /path`;
- the FastAPI/OpenAPI signal: a router or route tagged or prefixed `public` (or a router variable
  named `public...`) that adds no security dependency, or `openapi_extra={"security": []}`
  (OpenAPI's "no security requirement" for one operation).
"""

from __future__ import annotations

import ast
import fnmatch
import re

from dynaguard.lint.core.project import FunctionNode, Module

_COMMENT = re.compile(r"#\s*dynaguard:\s*public\b")


def by_comment(module: Module, node: FunctionNode) -> bool:
    """`# dynaguard: public` on a decorator line, the line above the first, or the `def` line."""
    first = min([d.lineno for d in node.decorator_list] or [node.lineno])
    for number in range(max(first - 1, 1), node.lineno + 1):
        if number <= len(module.lines) and _COMMENT.search(module.lines[number - 1]):
            return True
    return False


def by_config(label: str, patterns: tuple[str, ...]) -> str:
    """The first configured pattern that matches one of the route's methods, or ""."""
    verbs, _, path = label.partition(" ")
    for verb in verbs.split("|"):
        for pattern in patterns:
            if fnmatch.fnmatchcase(f"{verb} {path}", pattern):
                return pattern
    return ""


def _strings(node: ast.expr | None) -> list[str]:
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return [
            e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
        ]
    return []


def marked_public(call: ast.Call, name: str = "") -> bool:
    """A router factory or route decorator marked public by tag, prefix, name or OpenAPI."""
    keywords = {k.arg: k.value for k in call.keywords if k.arg}
    if any(tag.lower() == "public" for tag in _strings(keywords.get("tags"))):
        return True
    prefix = keywords.get("prefix")
    if isinstance(prefix, ast.Constant) and str(prefix.value).startswith("/public"):
        return True
    extra = keywords.get("openapi_extra")
    if isinstance(extra, ast.Dict):
        for key, value in zip(extra.keys, extra.values, strict=True):
            if (
                isinstance(key, ast.Constant)
                and key.value == "security"
                and isinstance(value, ast.List)
                and not value.elts
            ):
                return True
    return name.lower().startswith("public")
