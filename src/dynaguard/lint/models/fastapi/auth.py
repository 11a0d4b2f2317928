"""Authentication judged by what a dependency does, never by what it is called.

A dependency authenticates when it, or something it calls or depends on, verifies a credential:
a FastAPI security scheme (`OAuth2PasswordBearer`, `HTTPBearer`, `APIKeyHeader`, ... or
`Security(...)`), a token decode/verify (`jwt.decode`, `verify_id_token`, Cognito `get_user`),
a signed-session read (`request.session`), or a header/cookie compared and refused with 401/403.
`get_user_service` is not authentication because its name holds "user".
"""

from __future__ import annotations

import ast
import re

from dynaguard.lint.core.callgraph import callees, calls, reaches, receiver_name
from dynaguard.lint.core.classes import base_names, find_class, method
from dynaguard.lint.core.names import call_name, resolve_callable
from dynaguard.lint.core.project import FunctionRef, Module, Project, walk
from dynaguard.lint.models.fastapi import outside
from dynaguard.lint.models.libraries import libcalls

_DENIAL = re.compile(r"HTTP_40[13]|UNAUTHORI[SZ]ED|FORBIDDEN|Unauthori[sz]ed|Forbidden|Denied")
_CREDENTIAL_SOURCES = frozenset({"Header", "Cookie"})
_CREDENTIAL_ATTRS = frozenset({"headers", "cookies"})
_MAX_DEPTH = 4
_PASSWORD_WORDS = ("pass", "pwd", "PASS", "Pass")
"""Substrings every name `libcalls.PASSWORD_FIELDS` accepts contains one of."""


def is_scheme(project: Project, module: Module, node: ast.expr) -> bool:
    """`oauth2_scheme` (a module-level scheme instance), `HTTPBearer()`, or `JWTBearer()` whose
    class extends a FastAPI scheme."""
    if isinstance(node, ast.Call):
        if call_name(node.func) in libcalls.SECURITY_SCHEMES:
            return True
        key = find_class(project, module, node.func)
        return key is not None and bool(base_names(project, key) & libcalls.SECURITY_SCHEMES)
    if isinstance(node, ast.Name):
        value = module.globals.get(node.id)
        if value is not None and value is not node:
            return is_scheme(project, module, value)
        if node.id in module.imports:
            source, attr = module.imports[node.id]
            target = project.find_module(source, module.name)
            if target is not None and attr is not None and target is not module:
                return is_scheme(project, target, ast.Name(id=attr))
    return False


def denies(node: ast.AST) -> bool:
    """A `raise` (anywhere below `node`) that answers 401 or 403."""
    for sub in walk(node):
        if isinstance(sub, ast.Raise) and sub.exc is not None:
            for part in walk(sub.exc):
                if isinstance(part, ast.Constant) and part.value in (401, 403):
                    return True
                name = part.attr if isinstance(part, ast.Attribute) else getattr(part, "id", "")
                if isinstance(name, str) and _DENIAL.search(name):
                    return True
    return False


def _reads_credential(project: Project, ref: FunctionRef) -> bool:
    """A header or cookie parameter, or `request.headers`/`request.cookies`/`request.session`."""
    for default in [*ref.node.args.defaults, *ref.node.args.kw_defaults]:
        if isinstance(default, ast.Call) and call_name(default.func) in _CREDENTIAL_SOURCES:
            return True
    for arg in [*ref.node.args.args, *ref.node.args.kwonlyargs]:
        annotation = arg.annotation
        if isinstance(annotation, ast.Subscript):
            for part in walk(annotation):
                if isinstance(part, ast.Call) and call_name(part.func) in _CREDENTIAL_SOURCES:
                    return True
    return any(
        isinstance(sub, ast.Attribute) and sub.attr in _CREDENTIAL_ATTRS
        for sub in project.nodes(ref.node)
    )


def verifies_here(project: Project, ref: FunctionRef) -> bool:
    """This function itself checks a credential (not counting what it calls)."""
    for call in calls(project, ref.node):
        keywords = frozenset(k.arg for k in call.keywords if k.arg)
        if libcalls.verifies_credential(call_name(call.func), receiver_name(call), keywords):
            return True
        marker = call_name(call.func)
        if (
            marker in ("Depends", "Security")
            and call.args
            and (marker == "Security" or is_scheme(project, ref.module, call.args[0]))
        ):
            return True
    if any(
        isinstance(sub, ast.Attribute) and sub.attr == "session" and _is_request(sub.value)
        for sub in project.nodes(ref.node)
    ):
        return True
    return _reads_credential(project, ref) and denies(ref.node)


def _is_request(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id in ("request", "req", "websocket", "conn")


def _admin_here(project: Project, ref: FunctionRef) -> bool:
    """An `if` on an admin/role flag that refuses with 401/403 (in its body or anywhere in the
    statement: `denies(node)` covers its body too)."""
    return any(
        isinstance(node, ast.If) and _mentions_admin(node.test) and denies(node)
        for node in project.nodes(ref.node)
    )


def _mentions_admin(test: ast.expr) -> bool:
    """An admin flag (`user.is_admin`, `has_permission(...)`), or a role compared with an
    admin-like value; a role compared only with other values (`!= "seller"`) is not one."""
    compared: list[str] = []
    names: list[str] = []
    for sub in walk(test):
        if isinstance(sub, ast.Compare):
            for side in [sub.left, *sub.comparators]:
                elements = side.elts if isinstance(side, ast.List | ast.Tuple | ast.Set) else [side]
                compared += [
                    e.value
                    for e in elements
                    if isinstance(e, ast.Constant) and isinstance(e.value, str)
                ]
        elif isinstance(sub, ast.Name):
            names.append(sub.id)
        elif isinstance(sub, ast.Attribute):
            names.append(sub.attr)
        elif isinstance(sub, ast.Subscript) and isinstance(sub.slice, ast.Constant):
            names.append(str(sub.slice.value))
        elif isinstance(sub, ast.Call) and sub.args and isinstance(sub.args[0], ast.Constant):
            names.append(str(sub.args[0].value))
    if any(libcalls.ADMIN_VALUES.search(value) for value in compared):
        return True
    keys = set(names)
    if [value for value in compared if value not in keys]:
        return False
    return any(libcalls.ADMIN_WORDS.search(name) for name in names)


def is_admin_gate(project: Project, module: Module, target: ast.expr) -> bool:
    """A dependency that refuses non-admins: an `if` on a role/admin flag raising 401/403,
    itself or below (`Depends(require_admin)`, `Depends(RoleChecker(["admin"]))`)."""
    ref = resolve_callable(project, module, target)
    if ref is None:
        func = target.func if isinstance(target, ast.Call) else target
        key = find_class(project, module, func)
        ref = method(project, key, "__call__") if key is not None else None
    if ref is None:
        return outside.admin(project, module, target)
    return reaches(project, ref, "admin", lambda f: _admin_here(project, f)) or _admin_below(
        project, ref
    )


def _admin_below(project: Project, ref: FunctionRef) -> bool:
    """An admin gate one dependency further down (`require_admin` depends on `get_admin`)."""
    for default in ref.node.args.defaults:
        if (
            isinstance(default, ast.Call)
            and call_name(default.func) in ("Depends", "Security")
            and default.args
            and is_admin_gate(project, ref.module, default.args[0])
        ):
            return True
    return False


def handler_admin_check(ref: FunctionRef) -> bool:
    """The handler refuses non-admins itself, at the top of its body."""
    return any(
        isinstance(stmt, ast.If) and _mentions_admin(stmt.test) and denies(stmt)
        for stmt in ref.node.body
    )


def _flow_here(project: Project, ref: FunctionRef) -> str:
    cache_key = ("flow_here", id(ref.node))
    cached = project.cache.get(cache_key)
    if isinstance(cached, str):
        return cached
    found = _flow_in(project, ref)
    project.cache[cache_key] = found
    return found


def _flow_in(project: Project, ref: FunctionRef) -> str:
    for call in calls(project, ref.node):
        name, receiver = call_name(call.func), receiver_name(call)
        if libcalls.issues_credential(name, receiver):
            return "issues a token"
        if libcalls.handles_password(name, receiver):
            return "hashes or checks a password"
    for arg in [*ref.node.args.args, *ref.node.args.kwonlyargs]:
        for sub in walk(arg.annotation) if arg.annotation is not None else []:
            if isinstance(sub, ast.Name | ast.Attribute) and call_name(sub) in libcalls.LOGIN_FORMS:
                return "takes a login form"
    return _plaintext_password(project, ref)


def _plaintext_password(project: Project, ref: FunctionRef) -> str:
    """A password compared with a stored one, or stored into an item: a sign-in or sign-up
    that hashes nothing and may issue no token (or only a session id)."""
    if not project.mentions(ref.module, _PASSWORD_WORDS):
        return ""
    for node in project.nodes(ref.node):
        if isinstance(node, ast.Compare) and any(
            _password_ref(side) for side in [node.left, *node.comparators]
        ):
            return "compares a password"
        if isinstance(node, ast.Dict) and any(
            isinstance(key, ast.Constant)
            and isinstance(key.value, str)
            and libcalls.PASSWORD_FIELDS.match(key.value)
            for key in node.keys
        ):
            return "stores a password"
    return ""


def _password_ref(node: ast.expr) -> bool:
    """`user["password"]`, `item.get("password")`, `body.password`, `password`."""
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        return bool(libcalls.PASSWORD_FIELDS.match(str(node.slice.value)))
    if isinstance(node, ast.Call) and call_name(node.func) == "get" and node.args:
        first = node.args[0]
        return isinstance(first, ast.Constant) and bool(
            libcalls.PASSWORD_FIELDS.match(str(first.value))
        )
    if isinstance(node, ast.Attribute | ast.Name):
        return bool(libcalls.PASSWORD_FIELDS.match(call_name(node)))
    return False


def _password_on_login_path(project: Project, ref: FunctionRef, path: str) -> str:
    """The second signal: a login/sign-up path or handler name, with a password parameter or
    a body model holding a password field."""
    segments = [s.lower() for s in path.strip("/").split("/") if s and not s.startswith("{")]
    named = libcalls.LOGIN_WORDS.search(ref.node.name) or any(
        libcalls.LOGIN_WORDS.fullmatch(s) for s in segments
    )
    if not named:
        return ""
    for arg in [*ref.node.args.args, *ref.node.args.kwonlyargs]:
        if libcalls.PASSWORD_FIELDS.match(arg.arg):
            return "takes a password on a sign-in/sign-up route"
        model = call_name(arg.annotation) if arg.annotation is not None else ""
        fields = project.model_fields(model) if model else None
        if fields and any(libcalls.PASSWORD_FIELDS.match(f) for f in fields):
            return "takes a password on a sign-in/sign-up route"
    return ""


def auth_flow(project: Project, ref: FunctionRef, path: str) -> str:
    """Why a route is a sign-up/login/token/reset/health route, or "" when it is not one.

    By behaviour first (it, or what it calls, issues a token or handles a password), then by a
    health/readiness path, which has no behaviour to recognise. The behavioural verdict is
    computed once per function and run, however many routes share it."""
    cache_key = ("auth_flow", ref.key)
    cached = project.cache.get(cache_key)
    if isinstance(cached, str):
        found = cached
    else:
        found = _flow_here(project, ref)
        if not found:
            for callee in _closure(project, ref):
                found = _flow_here(project, callee)
                if found:
                    break
        project.cache[cache_key] = found
    if found:
        return found
    found = _password_on_login_path(project, ref, path)
    if found:
        return found
    segments = [s.lower() for s in path.strip("/").split("/") if s]
    if "{" not in path and (
        (segments and segments[-1] in libcalls.HEALTH_PATHS)
        or (len(segments) >= 2 and segments[-2] in libcalls.HEALTH_PATHS)
    ):
        return "health check"
    return ""


def _closure(project: Project, ref: FunctionRef) -> list[FunctionRef]:
    """What `ref` calls, breadth first, up to `_MAX_DEPTH` calls down."""
    seen: dict[tuple[object, ...], FunctionRef] = {}
    frontier = [ref]
    for _ in range(_MAX_DEPTH):
        nxt: list[FunctionRef] = []
        for current in frontier:
            for callee in callees(project, current):
                if callee.key not in seen and callee.key != ref.key:
                    seen[callee.key] = callee
                    nxt.append(callee)
        frontier = nxt
    return list(seen.values())
