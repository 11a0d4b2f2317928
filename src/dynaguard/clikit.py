"""Shared pieces of the command line: consoles, settings from flags, one-line failures, and
help text that names each option's environment variable and default (never a Python type)."""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import Any, NoReturn

import typer
from pydantic import SecretStr, ValidationError
from rich.console import Console

from dynaguard.config import Settings
from dynaguard.errors import DynaguardError
from dynaguard.helptext import polish_help as polish_help

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


def env_name(setting: str) -> str:
    return f"DYNAGUARD_{setting.upper()}"


def _render_default(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "off" if value is False else "on"
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value)


def setting_option(
    setting: str,
    help: str,
    *,
    flag: str | None = None,
    metavar: str | None = None,
    default: str | None = None,
) -> Any:
    """A flag for the `Settings` field `setting`; its help ends with `[env: ...; default: ...]`.

    The flag's own default is None (not given), so the environment and then the settings'
    default apply: pydantic-settings is the only reader of the environment."""
    field = Settings.model_fields[setting]
    shown = default if default is not None else _render_default(field.get_default())
    return typer.Option(
        flag or f"--{setting.replace('_', '-')}",
        help=f"{help}  [env: {env_name(setting)}; default: {shown}]",
        metavar=metavar,
        show_default=False,
    )


def settings_environment(settings: Settings, endpoint: str | None) -> dict[str, str]:
    """`settings` as DYNAGUARD_* variables, for worker processes that rebuild them from the
    environment (`serve --workers N`); `endpoint` replaces the configured DynamoDB endpoint."""
    values = settings.model_dump()
    values["dynamodb_endpoint"] = endpoint
    environment: dict[str, str] = {}
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, SecretStr):
            text = value.get_secret_value()
        elif isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, enum.Enum):
            text = str(value.value)
        elif isinstance(value, Path):
            text = str(value.resolve())
        elif isinstance(value, (list, dict)):
            text = json.dumps(value)
        else:
            text = str(value)
        environment[env_name(name)] = text
    return environment
