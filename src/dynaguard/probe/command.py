"""`dynaguard probe`: multi-identity BOLA/BFLA probing of a running HTTP API from its OpenAPI."""

from __future__ import annotations

import io
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from dynaguard.probe.engine.identities import build_identities
from dynaguard.probe.engine.policy import load_policy
from dynaguard.probe.errors import ProbeError
from dynaguard.probe.findings import EXIT_USAGE, ProbeResult
from dynaguard.probe.report import as_html, as_json, as_sarif, as_text
from dynaguard.probe.runner import ProbeOptions, run_probe

USAGE_EXIT = EXIT_USAGE


class FailOn(StrEnum):
    info = "info"
    low = "low"
    medium = "medium"
    high = "high"


class ReportFormat(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"
    html = "html"


def _fail(message: str) -> typer.Exit:
    Console(stderr=True).print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(USAGE_EXIT)


def probe(
    target: Annotated[str | None, typer.Option(help="base URL of the API under test")] = None,
    openapi: Annotated[
        str | None,
        typer.Option(
            help="OpenAPI 3 or Swagger 2 file or URL  [default: found at TARGET/openapi.json, "
            "/swagger.json, /openapi.yaml, /v3/api-docs, ...]"
        ),
    ] = None,
    identity: Annotated[
        list[str] | None,
        typer.Option(
            help="NAME=TOKEN (repeat; at least two). A bare token goes where the document's "
            "securitySchemes say; 'Token x' is sent as Authorization; 'Header-Name: value' names "
            "the header"
        ),
    ] = None,
    identity_cmd: Annotated[
        list[str] | None, typer.Option(help="NAME='shell command that prints a token'")
    ] = None,
    role: Annotated[list[str] | None, typer.Option(help="NAME=ROLE[,ROLE] (repeat)")] = None,
    tenant: Annotated[list[str] | None, typer.Option(help="NAME=LABEL (repeat)")] = None,
    policy: Annotated[Path | None, typer.Option(help="YAML policy: who may call what")] = None,
    output_format: Annotated[
        ReportFormat, typer.Option("--format", help="report format")
    ] = ReportFormat.text,
    output: Annotated[Path | None, typer.Option(help="write the report to this file")] = None,
    destructive: Annotated[
        bool, typer.Option(help="also try foreign DELETEs and non-GET role checks")
    ] = False,
    max_requests: Annotated[int, typer.Option(help="hard request budget")] = 2000,
    rps: Annotated[float, typer.Option(help="requests per second (0: unlimited)")] = 20.0,
    min_coverage: Annotated[
        float,
        typer.Option(help="share of id-taking operations that must be exercised (0 to 1)"),
    ] = 0.8,
    extra: Annotated[
        Path | None,
        typer.Option(help="more operations: a .har file or `METHOD /path` lines"),
    ] = None,
    fail_on: Annotated[
        FailOn,
        typer.Option(help="lowest finding severity that makes the exit code 1 (info: any)"),
    ] = FailOn.medium,
) -> None:
    """Probe a running API as several identities for BOLA, BFLA, mass assignment and leaks.

    Exit codes: 0 no findings at or above --fail-on and coverage met; 1 findings at or above
    --fail-on (default medium); 2 usage or connection error (a token the target refuses
    included); 3 incomplete: the probe's own write broke an identity (always), or no failing
    findings but fewer id-taking operations exercised than --min-coverage or an identity lost
    access mid-run.
    """
    try:
        if not target:
            raise ProbeError("--target URL is required")
        if max_requests < 1 or rps < 0:
            raise ProbeError("--max-requests must be at least 1 and --rps not negative")
        if not 0 <= min_coverage <= 1:
            raise ProbeError("--min-coverage must be between 0 and 1")
        options = ProbeOptions(
            target=target,
            identities=build_identities(
                identity or [], identity_cmd or [], role or [], tenant or []
            ),
            openapi=openapi,
            policy=load_policy(policy),
            destructive=destructive,
            max_requests=max_requests,
            rps=rps,
            min_coverage=min_coverage,
            fail_on=str(fail_on),
            extra=extra,
        )
        result = _run(options)
    except ProbeError as error:
        raise _fail(str(error)) from None
    _emit(result, output_format, output)
    raise typer.Exit(result.exit_code)


def _run(options: ProbeOptions) -> ProbeResult:
    """Run with a progress bar on stderr when it is a terminal."""
    console = Console(stderr=True)
    if not console.is_terminal:
        return run_probe(options)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("loading openapi", total=options.max_requests)
        options.on_phase = lambda phase: progress.update(task, description=phase)
        options.on_request = lambda sent: progress.update(task, completed=sent)
        return run_probe(options)


def _emit(result: ProbeResult, output_format: ReportFormat, output: Path | None) -> None:
    """Write the report; the terminal summary goes to stdout for text, else to stderr."""
    if output_format is ReportFormat.text:
        if output is None:
            as_text.render(result, _stream())
            return
        buffer = io.StringIO()
        as_text.render(result, Console(file=buffer, width=160, no_color=True))
        text = buffer.getvalue()
    else:
        renderers = {
            ReportFormat.json: as_json.render,
            ReportFormat.sarif: as_sarif.render,
            ReportFormat.html: as_html.render,
        }
        text = renderers[output_format](result)
    if output is None:
        sys.stdout.write(text)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as error:
            raise _fail(f"cannot write {output}: {error.strerror or error}") from None
    as_text.render(result, _stream(stderr=True))


def _stream(*, stderr: bool = False) -> Console:
    """A terminal gets rich's wrapping; a pipe or file gets lines as long as they are."""
    console = Console(stderr=stderr)
    if console.is_terminal:
        return console
    return Console(stderr=stderr, width=_UNWRAPPED, soft_wrap=True, no_color=True)


_UNWRAPPED = 10_000
