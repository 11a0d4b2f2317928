"""Which class of the linted tree an expression's object belongs to, found without running it.

Most real code reaches DynamoDB through an object: a repository built at module level, a service a
`Depends()` provider returns, a DAO stored on `self` in `__init__`, a `dependency_injector`
provider. Knowing the object's class lets the data-flow pass follow `repo.get(item_id)` into the
method body. Sources, in order: an annotation, a construction, a provider's return, a container.
"""

from __future__ import annotations

import ast

from dynaguard.lint.core.names import resolve_callable
from dynaguard.lint.core.project import FunctionRef, Module, Project

ClassKey = tuple[str, str]
"""(module name, class name) of a class defined in the tree."""

_WRAPPERS = frozenset({"Optional", "Annotated", "Type", "type", "Final", "ClassVar"})
_MAX_DEPTH = 6
_PROPERTIES = frozenset({"property", "cached_property"})


def find_class(
    project: Project, module: Module, node: ast.expr | None, depth: int = 0
) -> ClassKey | None:
    """The tree class a name (`Repo`, `repos.Repo`, `"Repo"`) refers to in `module`,
    through re-exports (`from .models import Repo` in a package `__init__`)."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            node = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return None
    if isinstance(node, ast.Name):
        if node.id in module.classes:
            return (module.name, node.id)
        if node.id in module.imports:
            source, attr = module.imports[node.id]
            target = project.find_module(source, module.name)
            if target is not None and attr is not None and attr in target.classes:
                return (target.name, attr)
            if target is not None and attr is not None and attr in target.imports:
                return find_class(project, target, ast.Name(id=attr), depth + 1)
        return None
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        found = project.resolve_name(module, node.value.id)
        if isinstance(found, Module) and node.attr in found.classes:
            return (found.name, node.attr)
    return None


def class_def(project: Project, key: ClassKey) -> tuple[Module, ast.ClassDef] | None:
    module = project.modules.get(key[0])
    if module is None or key[1] not in module.classes:
        return None
    return module, module.classes[key[1]]


def bases(project: Project, key: ClassKey, depth: int = 0) -> list[ClassKey]:
    """The class and its tree-defined ancestors, nearest first (a simple MRO)."""
    found = class_def(project, key)
    if found is None or depth > _MAX_DEPTH:
        return []
    module, cls = found
    chain = [key]
    for base in cls.bases:
        parent = find_class(project, module, base)
        if parent is not None and parent not in chain:
            chain += [k for k in bases(project, parent, depth + 1) if k not in chain]
    return chain


def lineage(project: Project, key: ClassKey) -> list[tuple[ClassKey, Module, ast.ClassDef]]:
    """`bases` with each class's module and definition (every one of them is in the tree)."""
    found = [(ancestor, class_def(project, ancestor)) for ancestor in bases(project, key)]
    return [(ancestor, *where) for ancestor, where in found if where is not None]


def base_names(project: Project, key: ClassKey) -> set[str]:
    """Names of every base expression along the chain, including ones outside the tree."""
    names: set[str] = set()
    for _, _, cls in lineage(project, key):
        for base in cls.bases:
            names.add(base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", ""))
    return names


def method(project: Project, key: ClassKey, name: str) -> FunctionRef | None:
    """The method `name` as the class resolves it, if the tree defines it."""
    for ancestor, module, cls in lineage(project, key):
        for stmt in cls.body:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name == name:
                return FunctionRef(module, stmt, ancestor[1])
    return None


def annotation_class(project: Project, module: Module, node: ast.expr | None) -> ClassKey | None:
    """The tree class an annotation names, through Optional, `| None` and Annotated."""
    if node is None:
        return None
    if isinstance(node, ast.Name):
        aliased = project.alias(module, node.id)
        if aliased is not None:
            node = aliased
    if isinstance(node, ast.BinOp):
        return annotation_class(project, module, node.left) or annotation_class(
            project, module, node.right
        )
    if isinstance(node, ast.Subscript):
        head = node.value.attr if isinstance(node.value, ast.Attribute) else ""
        head = head or getattr(node.value, "id", "")
        if head in _WRAPPERS:
            inner = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) else node.slice
            return annotation_class(project, module, inner)
        return find_class(project, module, node.value)
    return find_class(project, module, node)


def attribute_class(project: Project, key: ClassKey, attr: str) -> ClassKey | None:
    """The class of `self.<attr>`: a class-level annotation, or what `__init__` stores there."""
    cache_key = ("attr", key, attr)
    if cache_key in project.class_cache:
        return project.class_cache[cache_key]
    project.class_cache[cache_key] = None
    result: ClassKey | None = None
    for _, module, cls in lineage(project, key):
        result = _attribute_in(project, module, cls, attr)
        if result is not None:
            break
    project.class_cache[cache_key] = result
    return result


def _attribute_in(
    project: Project, module: Module, cls: ast.ClassDef, attr: str
) -> ClassKey | None:
    for stmt in cls.body:
        if (
            isinstance(stmt, ast.AnnAssign)
            and isinstance(stmt.target, ast.Name)
            and stmt.target.id == attr
        ):
            found = annotation_class(project, module, stmt.annotation)
            if found is None and stmt.value is not None:
                found = expression_class(project, module, stmt.value, {})
            if found is not None:
                return found
    for stmt in cls.body:
        if (
            isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef)
            and stmt.name == attr
            and any(call_name_of_expr(d) in _PROPERTIES for d in stmt.decorator_list)
        ):
            found = annotation_class(project, module, stmt.returns)
            for sub in project.nodes(stmt):
                if found is None and isinstance(sub, ast.Return) and sub.value is not None:
                    found = expression_class(project, module, sub.value, {})
            if found is not None:
                return found
    for stmt in cls.body:
        if not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        local = _parameter_annotations(stmt)
        for node in project.nodes(stmt):
            target, value, annotation = _self_assignment(node, attr)
            if target:
                found = annotation_class(project, module, annotation)
                if found is None and value is not None:
                    found = expression_class(project, module, value, local)
                if found is not None:
                    return found
    return None


def _self_assignment(node: ast.AST, attr: str) -> tuple[bool, ast.expr | None, ast.expr | None]:
    def is_target(target: ast.expr) -> bool:
        return (
            isinstance(target, ast.Attribute)
            and target.attr == attr
            and isinstance(target.value, ast.Name)
            and target.value.id == "self"
        )

    if isinstance(node, ast.Assign) and any(is_target(t) for t in node.targets):
        return True, node.value, None
    if isinstance(node, ast.AnnAssign) and is_target(node.target):
        return True, node.value, node.annotation
    return False, None, None


def _parameter_annotations(node: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, ast.expr]:
    args = node.args
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    found = {a.arg: a.annotation for a in every if a.annotation is not None}
    defaults = list(zip(reversed(args.args), reversed(args.defaults), strict=False))
    for arg, default in defaults:
        found.setdefault(arg.arg, default)
    return found


def expression_class(
    project: Project, module: Module, node: ast.expr, local: dict[str, ast.expr], depth: int = 0
) -> ClassKey | None:
    """The class of the object an expression evaluates to, or None when not known."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(node, ast.Await):
        return expression_class(project, module, node.value, local, depth + 1)
    if isinstance(node, ast.Call):
        return call_class(project, module, node, depth)
    if isinstance(node, ast.Name):
        if node.id in local:
            found = annotation_class(project, module, local[node.id])
            return found or expression_class(project, module, local[node.id], {}, depth + 1)
        return global_class(project, module, node.id, depth)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        target = project.resolve_name(module, node.value.id)
        if isinstance(target, Module):
            return global_class(project, target, node.attr, depth)
        container = find_class(project, module, node.value)
        if container is not None:
            return provider_class(project, container, node.attr, depth)
    lookups = project.injection.lookups
    if isinstance(node, ast.Subscript) and getattr(node.value, "id", "") in lookups:
        return expression_class(project, module, node.slice, local, depth + 1)
    return None


def dependency_class(project: Project, module: Module, node: ast.expr) -> ClassKey | None:
    """The class of what a dependency marker (`Depends(target)`) injects: `target` itself when
    it is a class, else what the provider function returns, else a container provider's class."""
    marker = project.injection.is_marker
    if isinstance(node, ast.Call) and marker(call_name_of(node)):
        node = node.args[0] if node.args else node
        if isinstance(node, ast.Call) and marker(call_name_of(node)):
            return None
    else:
        return None
    constructed = find_class(project, module, node)
    if constructed is not None:
        return constructed
    ref = resolve_callable(project, module, node)
    if ref is not None:
        return return_class(project, ref)
    return expression_class(project, module, node, {})


def call_name_of_expr(node: ast.expr) -> str:
    """The last dotted component of a name (`property`, `functools.cached_property`)."""
    return node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")


def call_name_of(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def call_class(project: Project, module: Module, node: ast.Call, depth: int) -> ClassKey | None:
    """A construction `Repo(...)`, a provider call `get_repo()`, `Depends(...)`, `Provide[...]`."""
    if project.injection.is_marker(call_name_of(node)):
        return dependency_class(project, module, node)
    constructed = find_class(project, module, node.func)
    if constructed is not None:
        return constructed
    if isinstance(node.func, ast.Call | ast.Subscript):
        return expression_class(project, module, node.func, {}, depth + 1)
    ref = resolve_callable(project, module, node.func)
    return return_class(project, ref, depth + 1) if ref is not None else None


def return_class(project: Project, ref: FunctionRef, depth: int = 0) -> ClassKey | None:
    """What a provider function returns (or yields): its annotation, else its return value."""
    cache_key = ("return", ref.key)
    if cache_key in project.class_cache:
        return project.class_cache[cache_key]
    project.class_cache[cache_key] = None
    found = annotation_class(project, ref.module, ref.node.returns)
    if found is None:
        local = _parameter_annotations(ref.node)
        for node in project.nodes(ref.node):
            value = node.value if isinstance(node, ast.Return | ast.Yield) else None
            if value is not None:
                found = expression_class(project, ref.module, value, local, depth + 1)
                if found is not None:
                    break
    project.class_cache[cache_key] = found
    return found


def global_class(project: Project, module: Module, name: str, depth: int = 0) -> ClassKey | None:
    """The class of a module-level object (`repo = ItemRepo()`), following imports."""
    cache_key = ("global", module.name, name)
    if cache_key in project.class_cache:
        return project.class_cache[cache_key]
    project.class_cache[cache_key] = None
    found: ClassKey | None = None
    value = module.globals.get(name)
    if value is not None:
        found = expression_class(project, module, value, {}, depth + 1)
    elif name in module.imports:
        source, attr = module.imports[name]
        target = project.find_module(source, module.name)
        if target is not None and attr is not None and target is not module:
            found = global_class(project, target, attr, depth + 1)
    project.class_cache[cache_key] = found
    return found


def provider_class(
    project: Project, container: ClassKey, attr: str, depth: int = 0
) -> ClassKey | None:
    """`Container.item_service` where the container declares `providers.Factory(ItemService)`."""
    found = class_def(project, container)
    if found is None:
        return None
    module, cls = found
    for stmt in cls.body:
        if (
            isinstance(stmt, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == attr for t in stmt.targets)
            and isinstance(stmt.value, ast.Call)
        ):
            call = stmt.value
            kind = call.func.attr if isinstance(call.func, ast.Attribute) else ""
            if kind in project.injection.providers and call.args:
                target = call.args[0]
                return find_class(project, module, target) or expression_class(
                    project, module, target, {}, depth + 1
                )
    return None


def index_classes(project: Project) -> None:
    """Every tree class by bare name, and its annotated fields (its bases' too, resolved through
    imports), once every module is in."""
    for module in sorted(project.modules.values(), key=lambda m: m.name):
        for name in module.classes:
            key = (module.name, name)
            project.class_names.setdefault(name, []).append(key)
            project.models[key] = _fields(project, key, set())


def _fields(project: Project, key: ClassKey, seen: set[ClassKey]) -> frozenset[str]:
    module = project.modules.get(key[0])
    if key in seen or module is None or key[1] not in module.classes:
        return frozenset()
    seen.add(key)
    cls = module.classes[key[1]]
    found = {
        stmt.target.id
        for stmt in cls.body
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)
    }
    for base in cls.bases:
        parent = find_class(project, module, base)
        if parent is not None:
            found |= _fields(project, parent, seen)
    return frozenset(found)
