"""Call-by-reference wrappers: `asyncio.to_thread(table.get_item, Key=k)` calls `get_item`.

The rewritten call is built once per wrapper node and keeps its source position, so findings
point at the wrapper line and a second visit sees the same node (and the same cache entries).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from dynaguard.lint.core.names import call_name
from dynaguard.lint.core.project import Project
from dynaguard.lint.models.libraries.libcalls import EXECUTOR_CALLS, THREAD_WRAPPERS


@dataclass
class Rewrites:
    """Wrapper calls (`to_thread(table.get_item, ...)`) and the call each stands for."""

    calls: dict[int, tuple[ast.Call, ast.Call]] = field(default_factory=dict)


def unwrap(project: Project, node: ast.Call) -> ast.Call:
    """The call a wrapper makes on the caller's behalf, or `node` itself. Rewrites live on the
    run's `Project` (keyed by node id, the node kept so the id stays unique)."""
    cached = project.state(Rewrites).calls.get(id(node))
    if cached is not None and cached[0] is node:
        return cached[1]
    name = call_name(node.func)
    args = list(node.args)
    if name in EXECUTOR_CALLS and len(args) >= 2:
        args = args[1:]
    elif name not in THREAD_WRAPPERS or not args:
        return node
    target = args[0]
    if isinstance(target, ast.Call) and call_name(target.func) == "partial":
        target = unwrap(project, target)
        if target is args[0]:
            return node
        inner: ast.Call = target
        call = ast.Call(
            func=inner.func,
            args=[*inner.args, *args[1:]],
            keywords=[*inner.keywords, *node.keywords],
        )
    elif isinstance(target, ast.Attribute | ast.Name):
        call = ast.Call(func=target, args=args[1:], keywords=list(node.keywords))
    else:
        return node
    ast.copy_location(call, node)
    project.state(Rewrites).calls[id(node)] = (node, call)
    return call
