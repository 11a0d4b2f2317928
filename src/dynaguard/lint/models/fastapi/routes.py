"""Find route handlers and decide which of them sit behind app- or router-level authentication."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from dynaguard.lint.core.names import call_name
from dynaguard.lint.core.project import FunctionRef, Module, Project, walk
from dynaguard.lint.models.fastapi import public
from dynaguard.lint.models.fastapi.auth import handler_admin_check, is_admin_gate
from dynaguard.lint.models.fastapi.params import is_auth_dependency

INCLUDE = "include_router"
"""The call that mounts a router; the core indexes its calls per module (`collected_methods`)."""
_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options"})
_APP_FACTORIES = ("fastapi", "router")


@dataclass
class _Router:
    """An app or router object and how it is authenticated and mounted."""

    prefix: str = ""
    authenticated: bool = False
    inclusions: list[tuple[tuple[str, str] | None, str, bool]] = field(default_factory=list)
    is_app: bool = False
    public: bool = False
    admin: bool = False
    admin_included: bool = False


@dataclass(frozen=True)
class Route:
    """A request handler: the function, its label (`GET /items/{id}`) and outer authentication."""

    ref: FunctionRef
    label: str
    outer_authenticated: bool
    public: str = ""
    deployed: bool = True
    admin: bool = False


def _const_str(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _deps_authenticate(project: Project, module: Module, deps: ast.expr | None) -> bool:
    if not isinstance(deps, ast.List | ast.Tuple | ast.Set):
        return False
    return any(
        isinstance(d, ast.Call) and is_auth_dependency(project, module, d) for d in deps.elts
    )


def _deps_admin(project: Project, module: Module, deps: ast.expr | None) -> bool:
    if not isinstance(deps, ast.List | ast.Tuple | ast.Set):
        return False
    return any(
        isinstance(d, ast.Call)
        and call_name(d.func) in ("Depends", "Security")
        and bool(d.args)
        and is_admin_gate(project, module, d.args[0])
        for d in deps.elts
    )


def _params_admin(project: Project, module: Module, ref: FunctionRef) -> bool:
    """A handler parameter whose dependency refuses non-admins (`Depends(require_admin)`)."""
    args = ref.node.args
    markers = [*args.defaults, *(d for d in args.kw_defaults if d is not None)]
    for arg in [*args.args, *args.kwonlyargs]:
        if isinstance(arg.annotation, ast.Subscript):
            markers += [n for n in walk(arg.annotation) if isinstance(n, ast.Call)]
        elif isinstance(arg.annotation, ast.Name):
            aliased = project.alias(module, arg.annotation.id)
            if aliased is not None:
                markers += [n for n in walk(aliased) if isinstance(n, ast.Call)]
    return _deps_admin(project, module, ast.List(elts=markers))


def _router_ref(project: Project, module: Module, node: ast.expr) -> tuple[str, str] | None:
    """(module, variable) of a router expression such as `router` or `items.router`."""
    if isinstance(node, ast.Name):
        if node.id in module.imports:
            source, attr = module.imports[node.id]
            found = project.find_module(source, module.name)
            if found is not None and attr is not None:
                return (found.name, attr)
        return (module.name, node.id)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        target = project.resolve_name(module, node.value.id)
        if isinstance(target, Module):
            return (target.name, node.attr)
    return None


def _collect_routers(project: Project) -> dict[tuple[str, str], _Router]:
    routers: dict[tuple[str, str], _Router] = {}
    for module in project.modules.values():
        for node in module.factory_assigns:
            if isinstance(node.value, ast.Call):
                factory = call_name(node.value.func).lower()
                if any(word in factory for word in _APP_FACTORIES):
                    deps = _keyword(node.value, "dependencies")
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            authed = _deps_authenticate(project, module, deps)
                            routers[(module.name, target.id)] = _Router(
                                prefix=_const_str(_keyword(node.value, "prefix")) or "",
                                authenticated=authed,
                                is_app="router" not in factory,
                                public=not authed and public.marked_public(node.value, target.id),
                                admin=_deps_admin(project, module, deps),
                            )
    for module in project.modules.values():
        for call in module.method_calls.get(INCLUDE, ()):
            if not (isinstance(call.func, ast.Attribute) and call.args):
                continue
            child = _router_ref(project, module, call.args[0])
            parent = _router_ref(project, module, call.func.value)
            if child is None:
                continue
            entry = routers.setdefault(child, _Router())
            entry.admin_included |= _deps_admin(project, module, _keyword(call, "dependencies"))
            entry.inclusions.append(
                (
                    parent,
                    _const_str(_keyword(call, "prefix")) or "",
                    _deps_authenticate(project, module, _keyword(call, "dependencies")),
                )
            )
    return routers


def _authenticated(
    routers: dict[tuple[str, str], _Router], key: tuple[str, str], seen: frozenset[tuple[str, str]]
) -> bool:
    router = routers.get(key)
    if router is None or key in seen:
        return False
    if router.authenticated:
        return True
    if not router.inclusions:
        return False
    return all(
        authed or (parent is not None and _authenticated(routers, parent, seen | {key}))
        for parent, _, authed in router.inclusions
    )


def _deployed(
    routers: dict[tuple[str, str], _Router], key: tuple[str, str], seen: frozenset[tuple[str, str]]
) -> bool:
    """An app, or a router some deployed router includes. Unknown objects count as deployed;
    asked only when the tree has an app (a tree of routers alone is mounted elsewhere)."""
    router = routers.get(key)
    if router is None or router.is_app:
        return True
    if key in seen:
        return False
    return any(
        parent is None or _deployed(routers, parent, seen | {key})
        for parent, _, _ in router.inclusions
    )


def _package(module: str) -> str:
    return module.rsplit(".", 1)[0] if "." in module else ""


def _composing_packages(routers: dict[tuple[str, str], _Router]) -> frozenset[str]:
    """Packages of the apps that include routers (computed once per run)."""
    parents = {p for r in routers.values() for p, _, _ in r.inclusions if p is not None}
    return frozenset(
        _package(parent[0]) for parent in parents if routers.get(parent, _Router()).is_app
    )


def _composed(composing: frozenset[str], key: tuple[str, str]) -> bool:
    """Whether an app that includes routers lives at or above this router's package: that app
    is where routers get mounted, so a router it never reaches is dead code. Without one (a
    library of routers, a single file) nothing is known and the router counts as deployed.
    Looks up the package and each of its ancestors (the root package is "") in the set."""
    if "" in composing:
        return True
    parts = _package(key[0]).split(".")
    return any(".".join(parts[:end]) in composing for end in range(1, len(parts) + 1))


def _admin(
    routers: dict[tuple[str, str], _Router], key: tuple[str, str], seen: frozenset[tuple[str, str]]
) -> bool:
    router = routers.get(key)
    if router is None or key in seen:
        return False
    if router.admin or router.admin_included:
        return True
    return bool(router.inclusions) and all(
        parent is not None and _admin(routers, parent, seen | {key})
        for parent, _, _ in router.inclusions
    )


def _public(
    routers: dict[tuple[str, str], _Router], key: tuple[str, str], seen: frozenset[tuple[str, str]]
) -> bool:
    router = routers.get(key)
    if router is None or key in seen:
        return False
    if router.public:
        return True
    return any(
        parent is not None and _public(routers, parent, seen | {key})
        for parent, _, _ in router.inclusions
    )


def _prefix(routers: dict[tuple[str, str], _Router], key: tuple[str, str]) -> str:
    router = routers.get(key)
    if router is None:
        return ""
    outer = ""
    if len(router.inclusions) == 1:
        parent, mount, _ = router.inclusions[0]
        outer = (_prefix(routers, parent) if parent and parent != key else "") + mount
    return outer + router.prefix


def _verbs(decorator: ast.Call, attr: str) -> list[str]:
    if attr in _VERBS:
        return [attr.upper()]
    methods = _keyword(decorator, "methods")
    if isinstance(methods, ast.List | ast.Tuple):
        return [m.upper() for e in methods.elts if (m := _const_str(e))] or ["GET"]
    return ["GET"]


def find_routes(project: Project, patterns: tuple[str, ...] = ()) -> list[Route]:
    """Every decorated handler in the tree, with its full path where prefixes are literal,
    whether it is declared public (`patterns` from the config), deployed and admin-gated."""
    routers = _collect_routers(project)
    composing = _composing_packages(routers)
    found: list[Route] = []
    for module in project.modules.values():
        for ref in _all_functions(module):
            for decorator in ref.node.decorator_list:
                route = _route_of(project, module, routers, composing, ref, decorator, patterns)
                if route is not None:
                    found.append(route)
                    break
    return found


def _route_of(
    project: Project,
    module: Module,
    routers: dict[tuple[str, str], _Router],
    composing: frozenset[str],
    ref: FunctionRef,
    decorator: ast.expr,
    patterns: tuple[str, ...],
) -> Route | None:
    if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)):
        return None
    attr = decorator.func.attr
    if attr not in _VERBS and attr != "api_route":
        return None
    path = (
        _const_str(decorator.args[0]) if decorator.args else _const_str(_keyword(decorator, "path"))
    )
    key = _router_ref(project, module, decorator.func.value)
    if path is None or (not path.startswith("/") and key not in routers):
        return None
    full = (_prefix(routers, key) if key else "") + path
    authed = key is not None and _authenticated(routers, key, frozenset())
    own_deps = _keyword(decorator, "dependencies")
    authed = authed or _deps_authenticate(project, module, own_deps)
    label = f"{'|'.join(_verbs(decorator, attr))} {full or '/'}"
    declared = ""
    if public.by_comment(module, ref.node):
        declared = "comment"
    elif pattern := public.by_config(label, patterns):
        declared = f"config {pattern!r}"
    elif not authed and (
        public.marked_public(decorator) or (key is not None and _public(routers, key, frozenset()))
    ):
        declared = "router or route marked public"
    admin = (
        (key is not None and _admin(routers, key, frozenset()))
        or _deps_admin(project, module, own_deps)
        or handler_admin_check(ref)
        or _params_admin(project, module, ref)
    )
    deployed = key is None or not _composed(composing, key) or _deployed(routers, key, frozenset())
    return Route(ref, label, authed, declared, deployed, admin)


def _all_functions(module: Module) -> list[FunctionRef]:
    """Top-level functions (every definition: two handlers may share a name, and FastAPI
    registers each when its decorator runs), methods, and functions nested in them
    (`def add_routes(app): ...`)."""
    refs = [
        FunctionRef(module, fn)
        for fn in module.tree.body
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    refs += [FunctionRef(module, inner) for inner in module.nested_all]
    for name, cls in module.classes.items():
        refs += [
            FunctionRef(module, stmt, name)
            for stmt in cls.body
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef)
        ]
    return refs
