"""The `dynaguard lint` command line, on the standard library's `argparse` (pre-commit runs it on
every commit: no CLI framework is imported to start it).

Exit 0 clean, 1 findings at/above --fail-on, 2 usage error (one line on stderr)."""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
import textwrap
from pathlib import Path
from typing import NoReturn

from dynaguard.lint.config import LintConfig, fail_level, find_pyproject, load_config, rule_ids
from dynaguard.lint.core.model import LintUsageError
from dynaguard.lint.engine import LintResult, lint_paths
from dynaguard.lint.reporters import renderer

PROG = "dynaguard lint"
FORMATS = ("text", "json", "sarif")
SUMMARY = "Find broken access control (BOLA/IDOR, BFLA, cross-tenant) in FastAPI code on DynamoDB."
DESCRIPTION = (
    "Exit 0 when clean, 1 when a finding reaches --fail-on, 2 on a usage error. A file that does "
    "not parse is skipped with a warning naming it."
)


class UsageError(Exception):
    """A command line the linter cannot run: one line on stderr, exit 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, with its usage errors raised (one line, exit 2) instead of printed with usage."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{PROG} --help`)")

    def format_help(self) -> str:
        """The help, its usage line spelled `Usage:` as in the full command line's help."""
        return super().format_help().replace("usage: ", "Usage: ", 1)


class _Help(argparse.HelpFormatter):
    """Plain help in the full command line's layout: `Usage:`, then arguments and options."""

    def __init__(self, prog: str) -> None:
        width = max(shutil.get_terminal_size().columns, 80)
        super().__init__(prog, max_help_position=34, width=width)

    def _format_action_invocation(self, action: argparse.Action) -> str:
        """`--format, -f text|json|sarif`: the value's word once, after every spelling."""
        if not action.option_strings or action.nargs == 0:
            return super()._format_action_invocation(action)
        word = self._metavar_formatter(action, action.dest.upper())(1)[0]
        return f"{', '.join(action.option_strings)} {word}"

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        """Each paragraph of the description filled on its own (argparse joins them), indented
        as the full command line's help is."""
        margin = indent + "  "
        return "\n\n".join(
            textwrap.fill(
                " ".join(part.split()), width, initial_indent=margin, subsequent_indent=margin
            )
            for part in text.split("\n\n")
        )


def parser() -> argparse.ArgumentParser:
    """The options of `dynaguard lint`, with their help."""
    found = _Parser(
        prog=PROG,
        usage=f"{PROG} [OPTIONS] PATHS...",
        description=f"{SUMMARY}\n\n{DESCRIPTION}",
        formatter_class=_Help,
        add_help=False,
        allow_abbrev=False,
    )
    found._positionals.title = "Arguments"
    found._optionals.title = "Options"
    found.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATHS",
        help="Python files or directories to lint together; calls between them are followed. "
        " [required]",
    )
    found.add_argument(
        "--format",
        "-f",
        dest="output_format",
        choices=FORMATS,
        default="text",
        metavar="text|json|sarif",
        help="Report format: text (default), json or sarif.",
    )
    found.add_argument(
        "--output",
        "-o",
        type=Path,
        metavar="OUTPUT",
        help="Write the report to this file instead of stdout.",
    )
    found.add_argument(
        "--select",
        action="append",
        metavar="SELECT",
        help="Run only these rule ids (comma list or repeated, e.g. DG101,DG102).",
    )
    found.add_argument(
        "--ignore",
        action="append",
        metavar="IGNORE",
        help="Skip these rule ids (comma list or repeated, e.g. DG104).",
    )
    found.add_argument(
        "--exclude",
        action="append",
        metavar="EXCLUDE",
        help="Skip files or folders matching these globs, on top of the config's exclude "
        "(comma list or repeated, e.g. 'tests/*').",
    )
    found.add_argument(
        "--fail-on",
        metavar="FAIL_ON",
        help="Exit 1 when a finding is at least this severe: error, warning (default) or info.",
    )
    found.add_argument(
        "--isolated",
        action="store_true",
        help="Ignore the [tool.dynaguard.lint] table of pyproject.toml.",
    )
    found.add_argument("--help", action="help", help="Show this message and exit.")
    return found


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
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"{output}: cannot write: {error.strerror}") from None


def run(args: list[str]) -> int:
    """Lint as the command line says; the exit code (usage errors raise `UsageError`)."""
    options = parser().parse_intermixed_args(args)
    paths: list[Path] = options.paths
    if not paths:
        raise UsageError(f"Missing argument 'PATHS'. (see `{PROG} --help`)")
    try:
        config = _config(
            paths,
            options.select,
            options.ignore,
            options.fail_on,
            options.isolated,
            options.exclude,
        )
        result: LintResult = lint_paths(paths, config)
    except LintUsageError as error:
        raise UsageError(str(error)) from None
    _write(renderer(options.output_format)(result), options.output)
    for message in result.warnings:
        print(f"warning: {message}", file=sys.stderr)
    for message in result.notes:
        print(f"note: {message}", file=sys.stderr)
    return 1 if any(f.level.rank >= config.fail_on.rank for f in result.findings) else 0


def main(args: list[str]) -> NoReturn:
    """`dynaguard lint ARGS`: exits 0, 1 (findings) or 2 (one line `error: ...` on stderr)."""
    try:
        code = run(args)
    except UsageError as usage:
        print(f"error: {usage}", file=sys.stderr)
        code = 2
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)
