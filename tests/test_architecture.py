"""The design's boundaries, checked on the source.

- The library (`auth`, `store`, `fastapi`) never imports the reference service or the tools.
- The store knows nothing of FastAPI, and of auth only the principal type its views take; route
  code (`fastapi`, `service`) never reaches the raw client; the service is built only from the
  library's public packages and never from a `hazmat` module.
- `import dynaguard.auth` loads neither FastAPI nor Typer (checked in a fresh interpreter).
- The tools (`probe`, `lint`) import nothing of the library: they must work on anyone's code.
- The probe's stages: `probe/checks/*` import no other check; `probe/spec/` imports nothing of
  `engine/`, `checks/` or `report/`.
- Inside `lint`: no import cycle; layers import nothing above them (the generic core no model,
  analysis or rule; models no rule; rules no reporter); no function-local imports; the core
  matches no FastAPI/DynamoDB name (the models tell it those as data).
- Only the key schema builds keys, whatever the string idiom (f-string, `+`, `%`, `.format`,
  `"#".join`)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "dynaguard"
LIBRARY = ("auth", "store", "fastapi")
TOOLS = ("dynaguard.probe", "dynaguard.lint")
SERVICE = ("dynaguard.service",)


def _modules(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _offending(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _modules(folder)
        for name in sorted(_imports(path))
        if name.startswith(forbidden)
    ]


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        *((folder, SERVICE + TOOLS + ("dynaguard.entrypoints",)) for folder in LIBRARY),
        ("service", ("dynaguard.entrypoints", "dynaguard.cli", "dynaguard.startup")),
        ("store", ("fastapi", "starlette", "dynaguard.fastapi")),
        ("auth", ("dynaguard.store", "dynaguard.fastapi", "fastapi", "starlette", "typer")),
        ("fastapi", ("boto3", "botocore", "dynaguard.store._engine", "dynaguard.store.connection")),
        ("local", SERVICE + TOOLS + ("dynaguard.fastapi",)),
    ],
)
def test_dependency_boundaries(folder: str, forbidden: tuple[str, ...]) -> None:
    assert _modules(folder), f"no modules under {folder}"
    assert _offending(folder, forbidden) == []


_SERVICE_MAY_IMPORT = (
    "dynaguard.__version__",
    "dynaguard.auth",
    "dynaguard.store",
    "dynaguard.fastapi",
    "dynaguard.config",
    "dynaguard.audit",
    "dynaguard.errors",
)


def test_the_store_takes_only_the_principal_type_from_auth() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _modules("store")
        for name in sorted(_imports(path))
        if name.startswith("dynaguard.auth")
        and name not in ("dynaguard.auth.principal", "dynaguard.auth.principal.VerifiedPrincipal")
    ]
    assert offenders == []


def test_importing_auth_loads_no_web_or_cli_framework() -> None:
    """Like PyJWT, `dynaguard.auth` is usable outside FastAPI: its import pulls in neither."""
    probe = (
        "import sys, dynaguard.auth, dynaguard.auth.testing\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'fastapi', 'starlette', 'typer'}))"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert run.stdout.strip() == "[]"


def test_the_import_check_sees_a_framework() -> None:
    """Positive control: the same probe does see FastAPI when `dynaguard.fastapi` is imported."""
    probe = "import sys, dynaguard.fastapi; print('fastapi' in sys.modules)"
    run = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert run.stdout.strip() == "True"


def test_the_service_uses_only_the_public_library() -> None:
    """The service is a user's app: public packages only (`dynaguard.store`, not its modules)."""
    public = set(_SERVICE_MAY_IMPORT)
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _modules("service")
        for name in sorted(_imports(path))
        if (
            name.startswith("dynaguard.")
            and not name.startswith("dynaguard.service")
            and name not in public
            and name.rpartition(".")[0] not in public
        )
        or "hazmat" in name.split(".")
    ]
    assert offenders == []


@pytest.mark.parametrize("folder", ["probe", "lint"])
def test_tools_import_nothing_of_the_library(folder: str) -> None:
    """Only their own package, the version, the CLI kit (and its help text) and the base error
    class."""
    allowed = (f"dynaguard.{folder}", "dynaguard.errors", "dynaguard.clikit", "dynaguard.helptext")
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _modules(folder)
        for name in sorted(_imports(path))
        if name.startswith("dynaguard.")
        and not name.startswith(allowed)
        and name != "dynaguard.__version__"
    ]
    assert offenders == []


PROBE_CHECKS = "dynaguard.probe.checks"


def test_probe_checks_import_no_other_check() -> None:
    """Each check stands alone: it judges through the engine's oracles, never through another."""
    checks = [p for p in _modules("probe/checks") if p.name != "__init__.py"]
    assert len(checks) >= 6, checks
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in checks
        for name in sorted(_imports(path))
        if name.startswith(PROBE_CHECKS) and name != f"{PROBE_CHECKS}.{path.stem}"
    ]
    assert offenders == []


def test_probe_spec_imports_no_later_stage() -> None:
    """Loading and planning know nothing of how the plan is run, judged or reported."""
    later = tuple(f"dynaguard.probe.{stage}" for stage in ("engine", "checks", "report"))
    assert _modules("probe/spec")
    assert _offending("probe/spec", later) == []


LINT = PACKAGE / "lint"
CORE = "dynaguard.lint.core"
"""The generic core: project index, files, names, classes, call graph, abstract values. It
knows neither FastAPI nor DynamoDB."""
MODELS = "dynaguard.lint.models"
"""FastAPI, boto3/aioboto3/PynamoDB and libraries as data, and the facts they establish."""
ANALYSIS = "dynaguard.lint.analysis"
"""The data-flow pass from every route, asking the models at each call."""
RULES = "dynaguard.lint.rules"
REPORTERS = "dynaguard.lint.reporters"
TOP = ("dynaguard.lint.engine", "dynaguard.lint.command", "dynaguard.lint.config")
LAYERS: dict[str, tuple[str, ...]] = {
    CORE: (MODELS, ANALYSIS, RULES, REPORTERS, *TOP),
    MODELS: (ANALYSIS, RULES, REPORTERS, *TOP),
    ANALYSIS: (RULES, REPORTERS, *TOP),
    RULES: (ANALYSIS, REPORTERS, *TOP),
}
"""Each layer of the linter, and what it must not import (nothing above it)."""
FRAMEWORK_WORDS = re.compile(
    r"Depends|Security|include_router|APIRouter|FastAPI|fastapi|starlette|Request|HTTPException|"
    r"boto3|botocore|dynamodb|DynamoDB|pynamodb|get_item|put_item|Provide|Factory"
)
"""Framework and AWS vocabulary: in the core only in prose (docstrings, comments), never as a
value it matches code against."""


def _lint_graph() -> dict[str, set[str]]:
    """Which lint module imports which, every import counted (function-local and
    `TYPE_CHECKING` ones too: a cycle held apart by them is still a cycle)."""
    names = {
        path.relative_to(PACKAGE.parent).with_suffix("").as_posix().replace("/", ".")
        for path in LINT.rglob("*.py")
    }
    names = {n.removesuffix(".__init__") for n in names}
    graph: dict[str, set[str]] = {}
    for path in LINT.rglob("*.py"):
        name = path.relative_to(PACKAGE.parent).with_suffix("").as_posix().replace("/", ".")
        name = name.removesuffix(".__init__")
        targets: set[str] = set()
        for imported in _imports(path):
            if imported in names and imported != name:
                targets.add(imported)
        # `from dynaguard.lint import flow` names the submodule, not the package
        if any(t != "dynaguard.lint" and t.startswith("dynaguard.lint.") for t in targets):
            targets.discard("dynaguard.lint")
        graph[name] = targets
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle, if any (depth-first search)."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        state[node] = 2
        path.pop()
        return []

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return []


def test_lint_has_no_import_cycle() -> None:
    graph = _lint_graph()
    assert len(graph) > 30
    assert _cycle(graph) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    """Positive control: a two-module circle is found."""
    assert _cycle({"a": {"b"}, "b": {"a"}, "c": set()}) in (["a", "b", "a"], ["b", "a", "b"])


def _in(name: str, package: str) -> bool:
    return name == package or name.startswith(f"{package}.")


def _layer_offenders(graph: dict[str, set[str]]) -> set[str]:
    """Imports that go up a layer (core -> model, model -> rule, rule -> reporter...)."""
    return {
        f"{source} imports {target}"
        for source, targets in graph.items()
        for layer, forbidden in LAYERS.items()
        if _in(source, layer)
        for target in targets
        if any(_in(target, above) for above in forbidden)
    }


def test_lint_layers_import_nothing_above_them() -> None:
    """The core imports no model, analysis or rule; models import no rule; rules no reporter."""
    graph = _lint_graph()
    for layer in (*LAYERS, REPORTERS):
        assert any(_in(name, layer) for name in graph if name != layer), f"{layer} is empty"
    assert _layer_offenders(graph) == set()


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (f"{CORE}.classes", f"{MODELS}.fastapi.params"),
        (f"{CORE}.project", "dynaguard.lint.engine"),
        (f"{MODELS}.dynamodb.sinks", f"{RULES}.dg101_key_from_request"),
        (f"{MODELS}.facts", f"{ANALYSIS}.flow"),
        (f"{RULES}.dg101_key_from_request", f"{REPORTERS}.sarif"),
    ],
)
def test_the_layer_check_sees_an_import_going_up(source: str, target: str) -> None:
    """Positive controls: each forbidden direction is reported."""
    graph = {source: {target}, f"{CORE}.names": {f"{CORE}.project"}}
    assert _layer_offenders(graph) == {f"{source} imports {target}"}


def _local_imports(source: str) -> list[int]:
    """Lines of imports that are not at module level (a function's or a class's body, a
    branch), except under `if TYPE_CHECKING:` at module level."""
    tree = ast.parse(source)
    allowed: set[int] = set()
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            allowed.add(id(node))
        elif isinstance(node, ast.If) and ast.unparse(node.test) in (
            "TYPE_CHECKING",
            "typing.TYPE_CHECKING",
        ):
            allowed.update(id(sub) for stmt in node.body for sub in ast.walk(stmt))
    return sorted(
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in allowed
    )


def test_lint_has_no_function_local_imports() -> None:
    """No import hidden in a function to break a cycle (or to defer a cost): lazy loading goes
    through a registry of `module:function` names resolved with importlib."""
    offenders = {
        str(path.relative_to(PACKAGE)): _local_imports(path.read_text())
        for path in LINT.rglob("*.py")
    }
    assert {name: lines for name, lines in offenders.items() if lines} == {}


def test_the_local_import_check_sees_one() -> None:
    """Positive control: imports in a function, a method and a branch are found; module-level
    ones and those under `if TYPE_CHECKING:` are not."""
    source = (
        "import ast\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from dynaguard.lint.core.project import Project\n"
        "def f():\n"
        "    from dynaguard.lint import engine\n"
        "class C:\n"
        "    def m(self):\n"
        "        import json\n"
        "try:\n"
        "    import tomllib\n"
        "except ImportError:\n"
        "    pass\n"
    )
    assert _local_imports(source) == [6, 9, 11]


def _code_strings(source: str) -> list[str]:
    """String constants a module matches code against: every string but docstrings."""
    tree = ast.parse(source)
    prose: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for index, stmt in enumerate(body):
            documents = index == 0 or isinstance(body[index - 1], ast.Assign | ast.AnnAssign)
            if documents and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
                prose.add(id(stmt.value))
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose
    ]


def test_the_lint_core_knows_no_framework() -> None:
    """What FastAPI injects or mounts (`Depends`, `include_router`) and what DynamoDB calls are
    is told to the core by the models (`core.injection.Injection`, `collected_methods`)."""
    core = sorted((LINT / "core").glob("*.py"))
    assert len(core) >= 8
    offenders = {
        str(path.relative_to(PACKAGE)): [
            text for text in _code_strings(path.read_text()) if FRAMEWORK_WORDS.search(text)
        ]
        for path in core
    }
    assert {name: words for name, words in offenders.items() if words} == {}


def test_the_framework_word_check_sees_one() -> None:
    """Positive control: a `Depends` the code matches is found, the docstring's is not."""
    source = (
        '"""Follows `Depends(f)`."""\n'
        'MARKERS = ("Depends", "Security")\n'
        '"""What injects."""\n'
        "def f(name):\n"
        '    """`include_router` too."""\n'
        '    return name == "include_router"\n'
    )
    found = [t for t in _code_strings(source) if FRAMEWORK_WORDS.search(t)]
    assert found == ["Depends", "Security", "include_router"]


def test_the_boundary_checks_see_imports() -> None:
    """Positive control: the import reader finds both import forms, by module and by name."""
    source = Path(__file__)
    assert "pytest" in _imports(source)
    assert "pathlib.Path" in _imports(source)


# --- key construction -------------------------------------------------------------------------


def _text(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _delimited_fstring(node: ast.JoinedStr) -> bool:
    parts = node.values
    for index, part in enumerate(parts):
        text = _text(part)
        if text is None:
            continue
        after_value = index > 0 and isinstance(parts[index - 1], ast.FormattedValue)
        before_value = index + 1 < len(parts) and isinstance(parts[index + 1], ast.FormattedValue)
        if (after_value and text.startswith("#")) or (before_value and text.endswith("#")):
            return True
    return False


def _builds_key(node: ast.AST) -> bool:
    """True for a string built around the key delimiter `#` from a value."""
    if isinstance(node, ast.JoinedStr):
        return _delimited_fstring(node)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _text(node.left), _text(node.right)
        return (left is not None and left.endswith("#") and right is None) or (
            right is not None and right.startswith("#") and left is None
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        template = _text(node.left)
        return template is not None and "#" in template and "%" in template
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        owner = _text(node.func.value)
        if owner is None:
            return False
        if node.func.attr == "format":
            return "#" in owner and "{" in owner
        if node.func.attr == "join":
            return "#" in owner
    return False


def _key_builders(source: str) -> list[int]:
    return sorted({node.lineno for node in ast.walk(ast.parse(source)) if _builds_key(node)})


@pytest.mark.parametrize(
    "source",
    [
        'pk = f"ORG#{org}"',
        'pk = f"{kind}#"',
        'pk = "ORG#" + org',
        'sk = item_id + "#META"',
        'pk = "ORG#%s#USER#%s" % (org, sub)',
        'pk = "ORG#{}#USER#{}".format(org, sub)',
        'pk = "#".join(["ORG", org, "USER", sub])',
    ],
)
def test_the_key_check_catches_every_idiom(source: str) -> None:
    """Positive controls: each way of gluing a value to the delimiter is found."""
    assert _key_builders(source) == [1]


@pytest.mark.parametrize(
    "source", ['x = f"{a}|{b}"', 'x = "a" + b', 'x = "%d items" % n', 'x = ", ".join(names)']
)
def test_the_key_check_ignores_other_strings(source: str) -> None:
    assert _key_builders(source) == []


def test_only_the_key_schema_builds_keys() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): _key_builders(path.read_text())
        for folder in (*LIBRARY, "service")
        for path in _modules(folder)
        if path.name != "keys.py"
    }
    assert {name: lines for name, lines in offenders.items() if lines} == {}
    assert _key_builders((PACKAGE / "store" / "keys.py").read_text()), "keys.py is where keys are"
