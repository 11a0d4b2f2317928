"""How FastAPI would fill each handler parameter: from the request, from a principal, or neither.

A dependency is authentication when it verifies a credential (see `auth`), never because of its
name. A parameter typed with a name like `Principal`, `CurrentUser` or `TokenClaims` that the tree
does not define (an alias imported from elsewhere, so its dependency cannot be inspected) is taken
as the principal. A dependency whose object has a tree class (annotation or provider) keeps the
class, so the data flow can follow method calls on it.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from enum import StrEnum

from dynaguard.lint.core.callgraph import reaches
from dynaguard.lint.core.classes import annotation_class, dependency_class, find_class, method
from dynaguard.lint.core.names import call_name, factory_product, resolve_callable
from dynaguard.lint.core.project import FunctionRef, Module, Project
from dynaguard.lint.models.fastapi import outside
from dynaguard.lint.models.fastapi.auth import is_scheme, verifies_here

_PRINCIPAL_TYPE = re.compile(
    r"principal|current_?user|authenticated|claims|identity|caller", re.IGNORECASE
)
_REQUEST_OBJECTS = frozenset({"Request", "WebSocket", "HTTPConnection"})
_NEUTRAL_TYPES = frozenset({"Response", "BackgroundTasks", "SecurityScopes", "JSONResponse"})
_DELIM_SAFE_TYPES = frozenset(
    {"int", "float", "bool", "UUID", "UUID4", "datetime", "date", "Decimal", "PositiveInt"}
)
_MARKERS = frozenset({"Depends", "Security"})
_MAX_AUTH_DEPTH = 4


class Kind(StrEnum):
    """Where a parameter's value comes from."""

    REQUEST = "request"
    PRINCIPAL = "principal"
    DEPENDENCY = "dependency"
    REQUEST_OBJECT = "request_object"
    NEUTRAL = "neutral"


@dataclass(frozen=True)
class Param:
    """One handler parameter, classified."""

    name: str
    kind: Kind
    model: str | None = None
    delim_safe: bool = False
    dependency: FunctionRef | None = None
    cls: tuple[str, str] | None = None


def _marker(node: ast.expr | None) -> ast.Call | None:
    if isinstance(node, ast.Call) and call_name(node.func) in _MARKERS:
        return node
    return None


def _annotated_parts(
    project: Project, module: Module, annotation: ast.expr | None
) -> tuple[ast.expr | None, list[ast.expr], Module]:
    """Split `Annotated[T, meta...]` (directly or through an alias) into T and its metadata,
    with the module whose names they use (the alias's own, when it is imported)."""
    home = module
    if isinstance(annotation, ast.Name):
        aliased = project.alias(module, annotation.id)
        if aliased is not None:
            home = _alias_home(project, module, annotation.id)
            annotation = aliased
    if isinstance(annotation, ast.Subscript) and call_name(annotation.value) == "Annotated":
        inner = annotation.slice
        if isinstance(inner, ast.Tuple) and inner.elts:
            return inner.elts[0], list(inner.elts[1:]), home
    return annotation, [], home


def _alias_home(project: Project, module: Module, name: str) -> Module:
    """The module that defines the `Annotated` alias `name` seen from `module`."""
    if name in module.aliases or name not in module.imports:
        return module
    source, attr = module.imports[name]
    target = project.find_module(source, module.name)
    if target is not None and attr is not None and attr in target.aliases:
        return target
    return module


def type_name(annotation: ast.expr | None) -> str | None:
    """The principal class a type annotation names, unwrapping Optional and `| None`."""
    if annotation is None:
        return None
    if isinstance(annotation, ast.BinOp):
        left = type_name(annotation.left)
        return left if left not in (None, "None") else type_name(annotation.right)
    if isinstance(annotation, ast.Constant):
        return None if annotation.value is None else str(annotation.value)
    if isinstance(annotation, ast.Subscript):
        head = call_name(annotation.value)
        if head == "Optional":
            return type_name(annotation.slice)
        return head
    name = call_name(annotation)
    return name or None


def _depends_target(call: ast.Call) -> ast.expr | None:
    if call.args:
        return call.args[0]
    for keyword in call.keywords:
        if keyword.arg == "dependency":
            return keyword.value
    return None


def is_auth_dependency(project: Project, module: Module, call: ast.Call, depth: int = 0) -> bool:
    """True when a `Depends(...)`/`Security(...)` marker authenticates the caller."""
    if call_name(call.func) == "Security":
        return True
    target = _depends_target(call)
    if target is None or depth > 3:
        return False
    return dependency_authenticates(project, module, target, depth)


def _class_dependency_authenticates(
    project: Project, module: Module, marker: ast.Call, base: ast.expr | None, depth: int
) -> bool:
    """`Authorize: AuthJWT = Depends()`: FastAPI calls the annotation itself."""
    if _depends_target(marker) is not None or base is None or depth > 3:
        return False
    return dependency_authenticates(project, module, base, depth)


def _has_pattern(nodes: list[ast.expr]) -> bool:
    return any(
        isinstance(node, ast.Call) and any(k.arg in ("pattern", "regex") for k in node.keywords)
        for node in nodes
    )


def classify(
    project: Project, module: Module, arg: ast.arg, default: ast.expr | None, depth: int = 0
) -> Param:
    """Classify one parameter the way FastAPI resolves it."""
    base, meta, home = _annotated_parts(project, module, arg.annotation)
    given = _marker(default)
    markers = [m for m in [given, *(_marker(x) for x in meta)] if m is not None]
    if given is None:
        module = home
    if markers:
        marker = markers[0]
        target = _depends_target(marker)
        ref = resolve_callable(project, module, target) if target is not None else None
        if ref is None and isinstance(target, ast.Call):
            ref = factory_product(project, module, target)
        if is_auth_dependency(project, module, marker, depth):
            cls = annotation_class(project, module, base)
            if cls is None or not _is_service(project, cls):
                return Param(arg.arg, Kind.PRINCIPAL)
            return Param(arg.arg, Kind.PRINCIPAL, dependency=ref, cls=cls)
        if _class_dependency_authenticates(project, module, marker, base, depth):
            return Param(arg.arg, Kind.PRINCIPAL)
        cls = annotation_class(project, module, base) or dependency_class(project, module, marker)
        if ref is not None:
            return Param(arg.arg, Kind.DEPENDENCY, dependency=ref, cls=cls)
        return Param(arg.arg, Kind.NEUTRAL, cls=cls)
    name = type_name(base)
    if name and _PRINCIPAL_TYPE.search(name) and name not in project.class_names:
        return Param(arg.arg, Kind.PRINCIPAL)
    if isinstance(base, ast.Name) and outside.project_alias(project, module, base.id):
        return Param(arg.arg, Kind.PRINCIPAL)
    if name in _REQUEST_OBJECTS:
        return Param(arg.arg, Kind.REQUEST_OBJECT)
    if name in _NEUTRAL_TYPES:
        return Param(arg.arg, Kind.NEUTRAL)
    cls = annotation_class(project, module, base)
    if cls is not None and _is_service(project, cls):
        return Param(arg.arg, Kind.NEUTRAL, cls=cls)
    safe = name in _DELIM_SAFE_TYPES or _has_pattern([*meta, *([default] if default else [])])
    return Param(arg.arg, Kind.REQUEST, model=name, delim_safe=safe, cls=cls)


def _is_service(project: Project, cls: tuple[str, str]) -> bool:
    """A class with an `__init__` that takes arguments is built by code, not parsed from JSON:
    a parameter of that type is an injected service (a `Depends()` class or `@inject` wiring)."""
    init = method(project, cls, "__init__")
    return init is not None and len(init.node.args.args) > 1


def parameters(project: Project, ref: FunctionRef, depth: int = 0) -> list[Param]:
    """All parameters of a handler or dependency, classified, `self`/`cls` skipped (once per
    function, owner and depth in a run)."""
    cache_key = ("parameters", id(ref.node), ref.module.name, ref.owner, depth)
    cached = project.cache.get(cache_key)
    if isinstance(cached, list):
        return cached
    args = ref.node.args
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults += list(args.defaults)
    pairs = list(zip(positional, defaults, strict=True))
    pairs += list(zip(args.kwonlyargs, args.kw_defaults, strict=True))
    if ref.owner is not None and pairs and pairs[0][0].arg in ("self", "cls"):
        pairs = pairs[1:]
    found = [classify(project, ref.module, a, d, depth) for a, d in pairs]
    project.cache[cache_key] = found
    return found


def verifies(project: Project, ref: FunctionRef, depth: int = 0) -> bool:
    """Whether calling `ref` (as a dependency) verifies a credential, itself or below."""
    if depth > _MAX_AUTH_DEPTH:
        return False
    if _depends_on_auth(project, ref, depth):
        return True
    return reaches(project, ref, "verifies", lambda f: verifies_here(project, f))


def _depends_on_auth(project: Project, ref: FunctionRef, depth: int) -> bool:
    cache_key = ("depends_on_auth", ref.key)
    if cache_key in project.memo:
        return project.memo[cache_key]
    project.memo[cache_key] = False
    answer = any(p.kind is Kind.PRINCIPAL for p in parameters(project, ref, depth + 1))
    project.memo[cache_key] = answer
    return answer


def dependency_authenticates(
    project: Project, module: Module, target: ast.expr, depth: int = 0
) -> bool:
    """`Depends(target)`: a scheme, a function that verifies, or a class whose `__call__` or
    `__init__` does (`Depends(JWTBearer())`, `Depends(RoleChecker(["admin"]))`)."""
    if is_scheme(project, module, target):
        return True
    ref = resolve_callable(project, module, target)
    if ref is None and isinstance(target, ast.Call):
        ref = factory_product(project, module, target)
    if ref is not None:
        return verifies(project, ref, depth)
    func = target.func if isinstance(target, ast.Call) else target
    key = find_class(project, module, func)
    if key is None:
        return bool(outside.judge(project, module, target))
    entry = method(project, key, "__call__") or method(project, key, "__init__")
    return entry is not None and verifies(project, entry, depth)
