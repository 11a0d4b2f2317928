"""The `dynaguard lint` command. Exit 0 clean, 1 findings at/above --fail-on, 2 usage error."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from dynaguard.lint.config import LintConfig, fail_level, find_pyproject, load_config, rule_ids
from dynaguard.lint.engine import LintResult, lint_paths
from dynaguard.lint.model import LintUsageError
from dynaguard.lint.reporters import RENDERERS


class OutputFormat(StrEnum):
    """Report formats."""

    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"


def _usage_error(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _config(
    paths: list[Path],
    select: list[str] | None,
    ignore: list[str] | None,
    fail_on: str | None,
    isolated: bool,
) -> LintConfig:
    """Config file first, then flags on top of it."""
    base = LintConfig() if isolated else load_config(find_pyproject(paths[0]))
    return LintConfig(
        select=rule_ids(select, "--select") if select else base.select,
        ignore=rule_ids(ignore, "--ignore") if ignore else base.ignore,
        fail_on=fail_level(fail_on, "--fail-on") if fail_on else base.fail_on,
        exclude=base.exclude,
        root=base.root,
    )


def _write(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise _usage_error(f"{output}: cannot write: {error.strerror}") from None


def lint(
    paths: Annotated[list[Path], typer.Argument(help="files or directories to lint")],
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="text, json or sarif")
    ] = OutputFormat.TEXT,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="write here")] = None,
    select: Annotated[
        list[str] | None, typer.Option(help="only these rule ids (DG101,DG102 or repeated)")
    ] = None,
    ignore: Annotated[list[str] | None, typer.Option(help="skip these rule ids")] = None,
    fail_on: Annotated[
        str | None, typer.Option("--fail-on", help="error or warning (default warning)")
    ] = None,
    isolated: Annotated[
        bool, typer.Option("--isolated", help="ignore [tool.dynaguard.lint] in pyproject.toml")
    ] = False,
) -> None:
    """Find broken access control (BOLA/IDOR, BFLA, cross-tenant) in FastAPI code on DynamoDB."""
    try:
        config = _config(paths, select, ignore, fail_on, isolated)
        result: LintResult = lint_paths(paths, config)
    except LintUsageError as error:
        raise _usage_error(str(error)) from None
    _write(RENDERERS[output_format.value](result), output)
    for message in result.errors:
        typer.echo(f"error: {message}", err=True)
    if result.errors:
        raise typer.Exit(2)
    if any(f.rule.severity.rank >= config.fail_on.rank for f in result.findings):
        raise typer.Exit(1)
