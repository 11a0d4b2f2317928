"""The linter's core on its own, with no model: the interpreter follows values through Python
and into the tree's functions and classes, and follows a framework's injection only when told
how it is spelled (`Injection`)."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

from dynaguard.lint.core.classes import dependency_class, index_classes
from dynaguard.lint.core.injection import NONE, Injection
from dynaguard.lint.core.interpreter import Interpreter
from dynaguard.lint.core.project import FunctionRef, Module, Project
from dynaguard.lint.core.taint import CLEAN, Taint
from dynaguard.lint.models.injection import FASTAPI

SOURCE = """
class Repo:
    def __init__(self, prefix):
        self.prefix = prefix

    def key(self, raw):
        return self.prefix + raw

def drop(text):
    return "constant"

def handler(item_id, other):
    repo = Repo(item_id)
    parts = []
    parts.append(repo.key("x"))
    dropped = drop(other)
    return {"key": parts[0], "dropped": dropped}

def provide():
    return Repo("X")
"""


class _Calls:
    """The plainest caller: every tree function is interpreted again, no memo."""

    def __init__(self, project: Project) -> None:
        self.project = project

    def call(self, ref: FunctionRef, env: dict[str, Taint]) -> Taint:
        return Interpreter(self, ref, env).run()


def _from(name: str) -> Taint:
    return Taint(origins=frozenset({name}))


def _project(injection: Injection) -> tuple[Project, Module]:
    tree = ast.parse(textwrap.dedent(SOURCE))
    module = Module(name="app", path=Path("app.py"), display="app.py", tree=tree, lines=[])
    project = Project(injection=injection)
    project.add(module)
    index_classes(project)
    return project, module


def test_values_flow_through_python_and_tree_calls_with_no_model() -> None:
    project, module = _project(NONE)
    ref = FunctionRef(module, module.functions["handler"])
    env = {
        "item_id": Taint(origins=frozenset({"item_id"})),
        "other": Taint(origins=frozenset({"other"})),
    }
    returned = Interpreter(_Calls(project), ref, env).run()
    # item_id: into the object, out of its method, through append, a subscript and a dict;
    # other: into `drop`, whose body is followed and returns a constant
    assert returned.origins == {"item_id"}


def test_a_call_the_tree_does_not_define_keeps_its_arguments() -> None:
    """Control: unfollowed (no `drop` in the tree), the call's value is its arguments'."""
    project, module = _project(NONE)
    del module.functions["drop"]
    ref = FunctionRef(module, module.functions["handler"])
    env = {"item_id": CLEAN, "other": _from("other")}
    returned = Interpreter(_Calls(project), ref, env).run()
    assert returned.origins == {"other"}


def test_the_core_follows_injection_only_as_told() -> None:
    """`Depends(provide)` injects a `Repo` when the model names `Depends` a marker; the core
    alone does not know the word."""
    marker = ast.parse("Depends(provide)", mode="eval").body
    bare, module = _project(NONE)
    assert dependency_class(bare, module, marker) is None
    told, module = _project(FASTAPI)
    assert dependency_class(told, module, marker) == ("app", "Repo")
