"""The `dynaguard` command. Every user error becomes one line on stderr and a non-zero exit."""

from __future__ import annotations

import importlib
import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, cast

import typer
from rich.markup import escape

from dynaguard.clikit import err, fail, load_settings, out
from dynaguard.config import Mode, Settings
from dynaguard.errors import DynaguardError

app = typer.Typer(
    name="dynaguard",
    help="Broken access control, made unsayable, for FastAPI services on DynamoDB.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
local_app = typer.Typer(help="Embedded DynamoDB Local.", no_args_is_help=True)
table_app = typer.Typer(help="The dynaguard table.", no_args_is_help=True)
app.add_typer(local_app, name="local")
app.add_typer(table_app, name="table")

_CONTRIBUTED: tuple[tuple[str, str, str | None], ...] = (
    ("token", "dynaguard.auth.command:token", None),
    ("lint", "dynaguard.lint.command:lint", None),
    ("probe", "dynaguard.probe.command:probe", "probe"),
)
"""Commands defined next to what they command: (name, `module:function`, the extra they need)."""


def _needs_extra(name: str, extra: str, missing: str) -> Callable[[], None]:
    """A stand-in for a tool whose optional dependencies are not installed."""

    install = escape(f"pip install 'dynaguard[{extra}]'")

    def command() -> None:
        fail(f"`dynaguard {name}` needs the {extra} extra ({missing} is missing): {install}", 2)

    command.__doc__ = f"Not installed: {install}."
    return command


def _register_contributed() -> None:
    """Register each tool's command; a tool whose extra is missing gets a one-line stand-in."""
    for name, spec, extra in _CONTRIBUTED:
        module_name, _, attribute = spec.partition(":")
        try:
            command = getattr(importlib.import_module(module_name), attribute)
        except ModuleNotFoundError as error:
            missing = (error.name or "").partition(".")[0]
            if extra is None or not missing or missing == "dynaguard":
                raise
            app.command(
                name,
                context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
                add_help_option=False,
            )(_needs_extra(name, extra, missing))
            continue
        app.command(name)(command)


_register_contributed()

ModeOpt = Annotated[Mode | None, typer.Option(help="local or aws  [env: DYNAGUARD_MODE]")]
EndpointOpt = Annotated[
    str | None,
    typer.Option(
        help="use a running DynamoDB-compatible endpoint  [env: DYNAGUARD_DYNAMODB_ENDPOINT]"
    ),
]
RegionOpt = Annotated[str | None, typer.Option(help="AWS region  [env: DYNAGUARD_REGION]")]
TableOpt = Annotated[str | None, typer.Option(help="table name  [env: DYNAGUARD_TABLE]")]
DataDirOpt = Annotated[Path | None, typer.Option(help="data directory  [env: DYNAGUARD_DATA_DIR]")]


def _report(line: str) -> None:
    err.print(line, highlight=False, soft_wrap=True)


@contextmanager
def running_endpoint(settings: Settings) -> Iterator[str | None]:
    """Yield the endpoint to use; in local mode without one, run the embedded engine meanwhile."""
    if settings.mode is Mode.AWS or settings.dynamodb_endpoint is not None:
        yield settings.dynamodb_endpoint
        return
    from dynaguard.local import DynamoDBLocal, install_dynamodb_local

    install = install_dynamodb_local(settings.data_dir, report=_report)
    engine = DynamoDBLocal(install, db_path=settings.data_dir / "db")
    with engine:
        err.print(f"DynamoDB Local (pid {engine.pid}) on {engine.endpoint}")
        yield engine.endpoint


@local_app.command("install")
def local_install(data_dir: DataDirOpt = None) -> None:
    """Download DynamoDB Local into the data directory (idempotent)."""
    settings = load_settings(data_dir=data_dir)
    from dynaguard.local import install_dynamodb_local
    from dynaguard.local.install import find_java

    with err.status("installing DynamoDB Local"):
        install = install_dynamodb_local(settings.data_dir, report=_report)
    find_java()
    typer.echo(str(install.home))


@table_app.command("create")
def table_create(
    mode: ModeOpt = None,
    dynamodb_endpoint: EndpointOpt = None,
    region: RegionOpt = None,
    table: TableOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Create the table (PAY_PER_REQUEST, pk/sk, GSIs gsi1 and gsi2) unless it exists."""
    settings = load_settings(
        mode=mode,
        dynamodb_endpoint=dynamodb_endpoint,
        region=region,
        table=table,
        data_dir=data_dir,
    )
    from dynaguard.store.connection import dynamodb_client
    from dynaguard.store.table import create_table

    with running_endpoint(settings) as endpoint:
        _, created = create_table(dynamodb_client(settings, endpoint), settings.table)
    out.print(f"table {settings.table} {'created' if created else 'already exists'}")


@table_app.command("describe")
def table_describe(
    mode: ModeOpt = None,
    dynamodb_endpoint: EndpointOpt = None,
    region: RegionOpt = None,
    table: TableOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Print the table's description as JSON."""
    settings = load_settings(
        mode=mode,
        dynamodb_endpoint=dynamodb_endpoint,
        region=region,
        table=table,
        data_dir=data_dir,
    )
    from dynaguard.store.connection import dynamodb_client
    from dynaguard.store.table import describe_table

    with running_endpoint(settings) as endpoint:
        description = describe_table(dynamodb_client(settings, endpoint), settings.table)
    if description is None:
        fail(f"table {settings.table} does not exist; run `dynaguard table create`")
    out.print_json(json.dumps(description, default=str))


@app.command()
def serve(
    mode: ModeOpt = None,
    dynamodb_endpoint: EndpointOpt = None,
    region: RegionOpt = None,
    table: TableOpt = None,
    data_dir: DataDirOpt = None,
    host: Annotated[str | None, typer.Option(help="bind address  [env: DYNAGUARD_HOST]")] = None,
    port: Annotated[int | None, typer.Option(help="HTTP port  [env: DYNAGUARD_PORT]")] = None,
    log_level: Annotated[
        str | None,
        typer.Option(help="critical|error|warning|info|debug  [env: DYNAGUARD_LOG_LEVEL]"),
    ] = None,
    factory: Annotated[
        str,
        typer.Option(
            "--app",
            help="app factory `module:function(settings, client) -> FastAPI` to serve instead "
            "of the reference service, e.g. your own app built on dynaguard",
        ),
    ] = "dynaguard.service:create_app",
) -> None:
    """Serve the API; in local mode, on an embedded DynamoDB Local whose data survives restarts."""
    settings = load_settings(
        mode=mode,
        dynamodb_endpoint=dynamodb_endpoint,
        region=region,
        table=table,
        data_dir=data_dir,
        host=host,
        port=port,
        log_level=log_level,
    )
    import uvicorn

    from dynaguard.local.process import port_is_busy
    from dynaguard.store.connection import dynamodb_client
    from dynaguard.store.table import create_table

    _log_to_stderr(settings.log_level)
    build_app = load_factory(factory)
    if port_is_busy(settings.host, settings.port):
        fail(f"port {settings.port} on {settings.host} is already in use; pass --port N")
    with running_endpoint(settings) as endpoint:
        client = dynamodb_client(settings, endpoint)
        create_table(client, settings.table)
        application = build_app(settings, client)
        config = uvicorn.Config(
            application, host=settings.host, port=settings.port, log_level=settings.log_level
        )
        with _stop_on_signals():
            uvicorn.Server(config).run()


def _log_to_stderr(level: str) -> None:
    """dynaguard's own loggers (audit lines are already JSON) print their message as is."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("dynaguard")
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    logger.propagate = False


def load_factory(spec: str) -> Callable[[Settings, Any], Any]:
    """Import `module:function`; a wrong spec is a one-line error, not a traceback."""
    module_name, _, attribute = spec.partition(":")
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # like uvicorn: factories in the working directory
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as error:
        raise DynaguardError(f"cannot load app factory {spec!r}: {error}") from None
    if not callable(factory):
        raise DynaguardError(f"app factory {spec!r} is not callable")
    return cast(Callable[[Settings, Any], Any], factory)


class _StopRequested(Exception):
    """Raised by our signal handler after uvicorn has shut down and re-raised the signal."""


@contextmanager
def _stop_on_signals() -> Iterator[None]:
    """uvicorn re-raises SIGINT/SIGTERM after its graceful shutdown; turn that into a clean return
    so the embedded engine is stopped by the enclosing context rather than by process death."""

    def _raise(signum: int, frame: object) -> None:
        raise _StopRequested

    previous = {sig: signal.signal(sig, _raise) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    except _StopRequested:
        err.print("stopped")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main() -> None:
    """Entry point. Usage errors are one line and exit 2; DynaguardError is one line and exit 1."""
    try:
        code = app(standalone_mode=False)
    except typer.TyperException as usage:
        context = getattr(usage, "ctx", None)
        if type(usage).__name__ == "NoArgsIsHelpError" and context is not None:
            typer.echo(context.get_help())
            sys.exit(0)
        message = usage.format_message() if hasattr(usage, "format_message") else str(usage)
        command = context.command_path if context is not None else "dynaguard"
        err.print(
            f"[bold red]error:[/] {message} (see `{command} --help`)",
            highlight=False,
            soft_wrap=True,
        )
        sys.exit(getattr(usage, "exit_code", 2))
    except typer.Abort:
        sys.exit(130)
    except DynaguardError as error:
        err.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
