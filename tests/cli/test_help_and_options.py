"""The command line's surface: help for every command shows environment variables and
defaults and no Python types, `--version`, and usage errors (missing arguments) exit 2."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.metadata import version
from typing import Any

import pytest
import typer

from dynaguard.cli import app, main

DYNAGUARD = [sys.executable, "-m", "dynaguard"]


def _paths(command: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, sub in getattr(command, "commands", {}).items():
        found += _paths(sub, (*prefix, name))
    return found


COMMANDS = _paths(typer.main.get_command(app))
PYTHON_TYPES = re.compile(r"<\w[^>]*>|\blist\[|\bdict\[|\bNone\b|\bPath\b|\bbool\b|\bstr\b")


def _help(path: tuple[str, ...], capsys: pytest.CaptureFixture[str], monkeypatch: Any) -> str:
    monkeypatch.setattr(sys, "argv", ["dynaguard", *path, "--help"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 0
    return capsys.readouterr().out


def test_every_command_is_covered() -> None:
    names = {" ".join(path) for path in COMMANDS}
    assert {"serve", "lint", "token", "probe", "local install", "table create"} <= names


@pytest.mark.parametrize("path", COMMANDS, ids=lambda path: " ".join(path) or "dynaguard")
def test_help_has_no_python_types(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    text = _help(path, capsys, monkeypatch)
    assert text.startswith("Usage: dynaguard")
    assert PYTHON_TYPES.findall(text) == [], text


@pytest.mark.parametrize(
    "path", [("serve",), ("table", "create"), ("table", "describe"), ("local", "install")]
)
def test_setting_options_show_env_var_and_default(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    text = _help(path, capsys, monkeypatch)
    options = re.split(r"\n  (?=--)", text.split("Options:", 1)[1])
    settings_options = [o for o in options if o.strip() and not o.startswith("--help")]
    assert settings_options
    for option in settings_options:
        flat = " ".join(option.split())
        assert re.search(r"\[env: DYNAGUARD_[A-Z_]+; default: [^\]]+\]", flat), flat


def test_serve_help_names_its_defaults(
    capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    flat = " ".join(_help(("serve",), capsys, monkeypatch).split())
    for shown in ("DYNAGUARD_PORT; default: 8000", "DYNAGUARD_ENGINE_HEAP; default: 512m"):
        assert shown in flat
    assert "--allow-dev-issuer trust the dev issuer" in flat


def test_required_argument_is_marked_and_missing_exits_2() -> None:
    done = subprocess.run([*DYNAGUARD, "lint"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == "error: Missing argument 'PATHS'. (see `dynaguard lint --help`)"
    shown = subprocess.run([*DYNAGUARD, "lint", "--help"], capture_output=True, text=True)
    assert re.search(
        r"PATHS\s+Python files or directories to lint.*\[required\]", shown.stdout, re.S
    )


@pytest.mark.parametrize("args", [["table"], ["local"]])
def test_group_without_its_command_exits_2(args: list[str]) -> None:
    done = subprocess.run([*DYNAGUARD, *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stdout.startswith(f"Usage: dynaguard {args[0]}")


def test_version() -> None:
    done = subprocess.run([*DYNAGUARD, "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert done.stdout == f"dynaguard {version('dynaguard')}\n"
