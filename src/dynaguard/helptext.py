"""Plain help text for every command: each option's value gets a word (its choices, or its name
in capitals), never a Python type, for the typer commands (`dynaguard lint` parses its own
arguments with argparse and does not load this)."""

from __future__ import annotations

from typing import Any


def _choices(param: Any) -> list[str]:
    descriptor = getattr(param, "type_descriptor", None)  # typer's own parameter types
    if descriptor is not None and descriptor.is_choice:
        return [str(getattr(choice, "value", choice)) for choice in descriptor.choices or ()]
    kind = getattr(param, "type", None)  # click's
    return [str(choice) for choice in getattr(kind, "choices", None) or ()]


def _metavar(param: Any) -> str:
    """A word for the value: its choices, else its name in capitals (as argparse does), never
    a Python annotation such as `list[str]` or `<int>`."""
    choices = _choices(param)
    if choices:
        return "|".join(choices)
    return str(param.name or "value").upper()


def _no_type(ctx: Any) -> None:
    return None


def polish_help(command: Any) -> None:
    """Give every option and argument without a metavar a plain one (typer would print
    `<list[str]>`, `<bool>`), in this command and all its subcommands."""
    for param in command.params:
        if getattr(param, "is_flag", False) or getattr(param, "count", False):
            param.metavar = ""  # a flag takes no value: show no type for it
        elif param.metavar is None:
            param.metavar = _metavar(param)
        if getattr(param, "param_type_name", "") == "argument" and hasattr(
            param, "display_type_rich"
        ):
            param.display_type_rich = _no_type  # typer shows an argument's Python type otherwise
    for sub in getattr(command, "commands", {}).values():
        polish_help(sub)
