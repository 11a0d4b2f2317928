"""Route code that goes around verification: it builds a principal itself, or reaches the
hazmat layer (the raw store, which skips every ownership check).

A principal is only trustworthy when the verifier made it from a checked credential; the
library makes `VerifiedPrincipal` constructible only there and in the test helper
`dynaguard.auth.testing.principal(...)`. Code reachable from a route that calls either is
forging one. A module whose dotted name has a `hazmat` component (`dynaguard.fastapi.hazmat`
holds `get_store`/`StoreDep`) says by its name that it bypasses the guarantees; route code
importing or using it is reported wherever it does so (the body, a parameter's annotation or
default, a dependency it calls).
"""

from __future__ import annotations

import ast

from dynaguard.lint.core.project import Module, Project

PRINCIPAL_CLASS = "VerifiedPrincipal"
"""The verified principal type: only the verifier constructs it."""
TEST_FACTORY = ("testing", "principal")
"""`dynaguard.auth.testing.principal(...)`: the test helper that makes one without a token."""
HAZMAT = "hazmat"
"""A dotted-name component that marks a module as bypassing the library's guarantees."""
NOT_HAZMAT = frozenset({"cryptography"})
"""Top-level packages whose own `hazmat` means something else (cryptography's primitives)."""
VERIFIER_PACKAGE = ("dynaguard", "auth")
"""The library's verifier lives here: the one place that constructs a principal."""
LIBRARY_LAYERS = (("dynaguard", "fastapi"), ("dynaguard", "store"))
"""The library's own layers build the owner-checked views from the raw store: their use of
the hazmat layer is what it is for (the application's routes are judged, not these)."""


def hazards(
    project: Project, module: Module, node: ast.AST
) -> list[tuple[ast.expr | ast.stmt, str]]:
    """The places in one function (signature included, nested code too) that forge a principal
    or reach a hazmat module, with what each does; cached per function for the run."""
    key = ("bypass", id(node))
    cached = project.cache.get(key)
    if isinstance(cached, tuple) and cached[0] is node:
        found: list[tuple[ast.expr | ast.stmt, str]] = cached[1]
        return found
    found = []
    if not _may_hold_hazards(project, module):
        project.cache[key] = (node, found)
        return found
    parts = module.name.split(".")
    pairs = {tuple(parts[i : i + 2]) for i in range(len(parts) - 1)}
    verifier = VERIFIER_PACKAGE in pairs
    if pairs & set(LIBRARY_LAYERS):
        project.cache[key] = (node, found)
        return found
    inner: set[int] = set()
    for sub in project.nodes(node):  # breadth-first: an attribute chain before its parts
        if id(sub) in inner or not isinstance(sub, ast.expr | ast.stmt):
            continue
        if isinstance(sub, ast.Attribute):
            inner |= {id(p) for p in _chain(sub)[1:] if isinstance(p, ast.Attribute | ast.Name)}
        what = _hazard(project, module, sub)
        if what and not (verifier and PRINCIPAL_CLASS in what):
            found.append((sub, what))
    project.cache[key] = (node, found)
    return found


_WORDS = (HAZMAT, PRINCIPAL_CLASS, TEST_FACTORY[0])


def _may_hold_hazards(project: Project, module: Module) -> bool:
    """The module, or one it imports from (an `Annotated` alias may hide the hazmat import),
    mentions hazmat, the principal class or the test helper: otherwise nothing to look for."""
    if project.mentions(module, _WORDS):
        return True
    for source, _ in module.imports.values():
        imported = project.find_module(source, module.name) if source else None
        if imported is not None and project.mentions(imported, (HAZMAT,)):
            return True
    return False


def _hazard(project: Project, module: Module, node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        dotted = _dotted(module, node.func)
        parts = dotted.split(".")
        if parts[-1] == PRINCIPAL_CLASS:
            return f"constructs {PRINCIPAL_CLASS}(...) instead of taking it from the verifier"
        if tuple(parts[-2:]) == TEST_FACTORY:
            return f"makes a principal with the test helper {dotted}(...)"
        return ""
    if isinstance(node, ast.Import | ast.ImportFrom):
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        names += [alias.name for alias in node.names]
        if any(_is_hazmat(name, last_included=True) for name in names):
            return "imports a hazmat module"
        return ""
    if isinstance(node, ast.Name | ast.Attribute):
        dotted = _dotted(module, node)
        if _is_hazmat(dotted) or _alias_reaches_hazmat(project, module, node):
            return f"uses {dotted} from a hazmat module (the raw store skips ownership checks)"
    return ""


def _is_hazmat(dotted: str, last_included: bool = False) -> bool:
    """A dotted name inside a hazmat module (or naming one, for imports)."""
    parts = dotted.split(".")
    if parts[0] in NOT_HAZMAT:
        return False
    return HAZMAT in (parts if last_included else parts[:-1])


def _chain(node: ast.expr) -> list[ast.expr]:
    """`a.b.c` → [a.b.c, a.b, a]."""
    chain = [node]
    while isinstance(chain[-1], ast.Attribute):
        chain.append(chain[-1].value)
    return chain


def _dotted(module: Module, node: ast.expr) -> str:
    """The dotted name an expression refers to, with its head replaced by what it imports
    (`hz.get_store` → `dynaguard.fastapi.hazmat.get_store`)."""
    chain = _chain(node)
    parts = [c.attr for c in chain if isinstance(c, ast.Attribute)]
    current = chain[-1]
    if not isinstance(current, ast.Name):
        return ".".join(reversed(parts))
    head = current.id
    if head in module.imports:
        source, attr = module.imports[head]
        head = f"{source}.{attr}" if attr else source
    return ".".join([head, *reversed(parts)])


def _alias_reaches_hazmat(project: Project, module: Module, node: ast.AST) -> bool:
    """`store: Store` where `Store = Annotated[..., Depends(hazmat.get_store)]` lives elsewhere."""
    if not isinstance(node, ast.Name):
        return False
    alias = project.alias(module, node.id)
    if alias is None:
        return False
    owner: Module | None = module
    if node.id not in module.aliases:
        owner = project.find_module(module.imports.get(node.id, ("", None))[0], module.name)
    if owner is None:
        return False
    return any(
        isinstance(sub, ast.Name | ast.Attribute) and _is_hazmat(_dotted(owner, sub))
        for sub in ast.walk(alias)
    )
