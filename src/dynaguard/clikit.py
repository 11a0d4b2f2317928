"""Shared pieces of the command line: consoles, settings from flags, one-line failures."""

from __future__ import annotations

from typing import Any, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console

from dynaguard.config import Settings
from dynaguard.errors import DynaguardError

err = Console(stderr=True)
out = Console()


def load_settings(**flags: Any) -> Settings:
    """Settings from the environment, with CLI flags that were given taking precedence."""
    given = {name: value for name, value in flags.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "settings"
        raise DynaguardError(f"invalid {where}: {first['msg']}") from None


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one line on stderr and exit with `code`."""
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)
