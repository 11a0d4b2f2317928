"""The `dynaguard lint` command. Exit 0 clean, 1 findings at/above --fail-on, 2 usage error."""

from __future__ import annotations

import contextlib
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from dynaguard.lint.config import LintConfig, fail_level, find_pyproject, load_config, rule_ids
from dynaguard.lint.engine import LintResult, lint_paths
from dynaguard.lint.model import LintUsageError
from dynaguard.lint.reporters import renderer


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
    exclude: list[str] | None = None,
) -> LintConfig:
    """Config file first, then flags on top of it (`--exclude` adds to the file's patterns,
    anchored at the current directory when there is no config file)."""
    base = LintConfig() if isolated else load_config(find_pyproject(paths[0]))
    return LintConfig(
        select=rule_ids(select, "--select") if select else base.select,
        ignore=rule_ids(ignore, "--ignore") if ignore else base.ignore,
        fail_on=fail_level(fail_on, "--fail-on") if fail_on else base.fail_on,
        exclude=(*base.exclude, *_globs(exclude or [], base.root)),
        root=base.root,
        public=base.public,
        auth=base.auth,
    )


def _globs(patterns: list[str], root: Path) -> list[str]:
    """`--exclude` values, comma lists allowed; a path given on the command line is taken
    relative to the current directory and re-anchored at the config root."""
    found: list[str] = []
    for value in patterns:
        for part in (p.strip() for p in value.split(",")):
            if not part:
                continue
            candidate = Path(part)
            with contextlib.suppress(ValueError):
                part = candidate.resolve().relative_to(root.resolve()).as_posix()
            found.append(part.rstrip("/"))
            found.append(part.rstrip("/") + "/*")
    return found


def _write(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise _usage_error(f"{output}: cannot write: {error.strerror}") from None


def lint(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Python files or directories to lint together; calls between them are followed."
        ),
    ],
    output_format: Annotated[
        OutputFormat,
        typer.Option("--format", "-f", help="Report format: text (default), json or sarif."),
    ] = OutputFormat.TEXT,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the report to this file instead of stdout."),
    ] = None,
    select: Annotated[
        list[str] | None,
        typer.Option(help="Run only these rule ids (comma list or repeated, e.g. DG101,DG102)."),
    ] = None,
    ignore: Annotated[
        list[str] | None,
        typer.Option(help="Skip these rule ids (comma list or repeated, e.g. DG104)."),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            help="Skip files or folders matching these globs, on top of the config's exclude "
            "(comma list or repeated, e.g. 'tests/*')."
        ),
    ] = None,
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on",
            help="Exit 1 when a finding is at least this severe: error, warning (default) or info.",
        ),
    ] = None,
    isolated: Annotated[
        bool,
        typer.Option(
            "--isolated", help="Ignore the \\[tool.dynaguard.lint] table of pyproject.toml."
        ),
    ] = False,
) -> None:
    """Find broken access control (BOLA/IDOR, BFLA, cross-tenant) in FastAPI code on DynamoDB.

    Exit 0 when clean, 1 when a finding reaches --fail-on, 2 on a usage error. A file that does
    not parse is skipped with a warning naming it.
    """
    try:
        config = _config(paths, select, ignore, fail_on, isolated, exclude)
        result: LintResult = lint_paths(paths, config)
    except LintUsageError as error:
        raise _usage_error(str(error)) from None
    _write(renderer(output_format.value)(result), output)
    for message in result.warnings:
        typer.echo(f"warning: {message}", err=True)
    for message in result.notes:
        typer.echo(f"note: {message}", err=True)
    if any(f.level.rank >= config.fail_on.rank for f in result.findings):
        raise typer.Exit(1)


def main(args: list[str]) -> None:
    """`dynaguard lint ARGS` on its own: the same command, help and one-line usage errors as
    under the full command line, without importing it."""
    import sys

    from dynaguard.helptext import polish_help

    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)
    app.command()(lint)
    command = typer.main.get_command(app)
    polish_help(command)
    try:
        code = command.main(args=args, prog_name="dynaguard lint", standalone_mode=False)
    except typer.TyperException as usage:
        context = getattr(usage, "ctx", None)
        where = context.command_path if context is not None else "dynaguard lint"
        message = usage.format_message() if hasattr(usage, "format_message") else str(usage)
        typer.echo(f"error: {message} (see `{where} --help`)", err=True)
        sys.exit(getattr(usage, "exit_code", 2))
    except typer.Abort:
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
