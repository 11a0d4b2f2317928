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
from typing import Annotated, Any

import typer
from rich.markup import escape

from dynaguard import __version__
from dynaguard.clikit import (
    err,
    fail,
    load_settings,
    out,
    polish_help,
    setting_option,
    settings_environment,
)
from dynaguard.config import Mode, Settings
from dynaguard.errors import DynaguardError

app = typer.Typer(
    name="dynaguard",
    help="Broken access control, made unsayable, for FastAPI services on DynamoDB.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
local_app = typer.Typer(
    help="Embedded DynamoDB Local.", no_args_is_help=True, rich_markup_mode=None
)
table_app = typer.Typer(help="The dynaguard table.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(local_app, name="local")
app.add_typer(table_app, name="table")

_CONTRIBUTED: tuple[tuple[str, str, str | None], ...] = (
    ("token", "dynaguard.token_command:token", None),
    ("probe", "dynaguard.probe.command:probe", "probe"),
)
"""Commands defined next to what they command: (name, `module:function`, the extra they need)."""


def _needs_extra(name: str, extra: str, missing: str) -> Callable[[], None]:
    """A stand-in for a tool whose optional dependencies are not installed."""

    install = f"pip install 'dynaguard[{extra}]'"

    def command() -> None:
        message = f"`dynaguard {name}` needs the {extra} extra ({missing} is missing): {install}"
        fail(escape(message), 2)

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


def _register_self_parsed(name: str, module_name: str) -> None:
    """A tool that parses its own command line (`dynaguard lint`, on argparse so that it starts
    fast): listed here with its summary, its arguments handed over as they are."""
    module = importlib.import_module(module_name)

    def command(ctx: typer.Context) -> None:
        module.main(ctx.args)

    command.__doc__ = module.SUMMARY
    app.command(
        name,
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
        add_help_option=False,
    )(command)


_register_self_parsed("lint", "dynaguard.lint.command")

ModeOpt = Annotated[Mode | None, setting_option("mode", "local or aws")]
EndpointOpt = Annotated[
    str | None,
    setting_option(
        "dynamodb_endpoint", "use a running DynamoDB-compatible endpoint", metavar="URL"
    ),
]
RegionOpt = Annotated[
    str | None,
    setting_option(
        "region",
        "AWS region",
        default="AWS_REGION, AWS_DEFAULT_REGION or the AWS profile's region",
    ),
]
TableOpt = Annotated[str | None, setting_option("table", "table name", metavar="NAME")]
DataDirOpt = Annotated[
    Path | None,
    setting_option(
        "data_dir", "data directory: engine data, dev signing key, cursor key", metavar="DIR"
    ),
]
CacheDirOpt = Annotated[
    Path | None,
    setting_option(
        "cache_dir",
        "where DynamoDB Local is downloaded, once per machine",
        metavar="DIR",
        default="$XDG_CACHE_HOME/dynaguard or ~/.cache/dynaguard",
    ),
]
EngineHeapOpt = Annotated[
    str | None,
    setting_option("engine_heap", "heap ceiling of the DynamoDB Local JVM (-Xmx)", metavar="SIZE"),
]


def _report(line: str) -> None:
    err.print(line, highlight=False, soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dynaguard {__version__}")
        raise typer.Exit()


@app.callback()
def _global(
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="print the version and exit", callback=_version, is_eager=True
        ),
    ] = False,
) -> None:
    """Broken access control, made unsayable, for FastAPI services on DynamoDB."""


@contextmanager
def running_endpoint(settings: Settings) -> Iterator[str | None]:
    """Yield the endpoint to use; in local mode without one, run the embedded engine meanwhile,
    supervised (restarted if it dies) and with the data directory locked against a second one."""
    if settings.mode is Mode.AWS or settings.dynamodb_endpoint is not None:
        yield settings.dynamodb_endpoint
        return
    from dynaguard.local import DynamoDBLocal, install_dynamodb_local
    from dynaguard.local.lock import data_dir_lock
    from dynaguard.local.supervisor import EngineSupervisor

    with data_dir_lock(settings.data_dir):
        install = install_dynamodb_local(settings.cache_dir, report=_report)
        engine = DynamoDBLocal(install, db_path=settings.data_dir / "db", heap=settings.engine_heap)
        engine.start()
        with EngineSupervisor(engine):
            err.print(f"DynamoDB Local (pid {engine.pid}) on {engine.endpoint}")
            yield engine.endpoint


@local_app.command("install")
def local_install(cache_dir: CacheDirOpt = None) -> None:
    """Download DynamoDB Local into the cache directory (idempotent) and print where it is."""
    settings = load_settings(cache_dir=cache_dir)
    from dynaguard.local import install_dynamodb_local
    from dynaguard.local.install import find_java

    install = install_dynamodb_local(settings.cache_dir, report=_report)
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
    host: Annotated[str | None, setting_option("host", "bind address", metavar="ADDRESS")] = None,
    port: Annotated[int | None, setting_option("port", "HTTP port", metavar="PORT")] = None,
    log_level: Annotated[
        str | None,
        setting_option("log_level", "critical, error, warning, info or debug", metavar="LEVEL"),
    ] = None,
    workers: Annotated[
        int | None, setting_option("workers", "worker processes (uvicorn)", metavar="N")
    ] = None,
    allow_dev_issuer: Annotated[
        bool | None,
        setting_option(
            "allow_dev_issuer",
            "trust the dev issuer although --host is not a loopback address",
            flag="--allow-dev-issuer",
        ),
    ] = None,
    engine_heap: EngineHeapOpt = None,
    cache_dir: CacheDirOpt = None,
    factory: Annotated[
        str | None,
        setting_option(
            "app",
            "app factory module:function(settings, client) to serve instead of the reference "
            "service, e.g. your own app built on dynaguard",
            flag="--app",
            metavar="MODULE:FUNCTION",
        ),
    ] = None,
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
        workers=workers,
        allow_dev_issuer=allow_dev_issuer,
        engine_heap=engine_heap,
        cache_dir=cache_dir,
        app=factory,
    )
    from dynaguard.local.process import port_is_busy
    from dynaguard.startup import build_app, check_issuer, load_factory, open_table
    from dynaguard.store.connection import dynamodb_client

    _log_to_stderr(settings.log_level)
    try:
        build = load_factory(settings.app)
    except DynaguardError as error:
        fail(str(error), code=2)  # a wrong --app is a usage error
    trust = check_issuer(settings, settings.host)
    if port_is_busy(settings.host, settings.port):
        fail(f"port {settings.port} on {settings.host} is already in use; pass --port N")
    with running_endpoint(settings) as endpoint:
        client = dynamodb_client(settings, endpoint)
        open_table(settings, client)
        application = build_app(build, settings, client)  # also creates local key files once
        err.print(trust, highlight=False, soft_wrap=True)
        with _stop_on_signals():
            _run_uvicorn(settings, application, endpoint)


def _run_uvicorn(settings: Settings, application: Any, endpoint: str | None) -> None:
    """One process serves the app object; N workers each build it with the ASGI factory, from
    the same settings passed down as environment variables."""
    import uvicorn

    from dynaguard.fastapi.server import uvicorn_limits

    if settings.workers == 1:
        config = uvicorn.Config(
            application,
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level,
            **uvicorn_limits(settings),
        )
        uvicorn.Server(config).run()
        return
    os.environ.update(settings_environment(settings, endpoint))
    # this process has checked the issuer against the real bind address; the workers, which
    # build the app with the ASGI factory, cannot see it and would refuse the dev issuer
    os.environ["DYNAGUARD_ALLOW_DEV_ISSUER"] = "true"
    uvicorn.run(
        "dynaguard.entrypoints.asgi:create_app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level,
        **uvicorn_limits(settings, workers=settings.workers),
    )


def _log_to_stderr(level: str) -> None:
    """dynaguard's own loggers (audit lines are already JSON) print their message as is."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("dynaguard")
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    logger.propagate = False


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
    """Entry point. Usage errors are one line and exit 2; DynaguardError is one line and exit 1.
    Help is plain text whose options show their environment variable and default."""
    command = typer.main.get_command(app)
    polish_help(command)
    try:
        code = command.main(prog_name="dynaguard", standalone_mode=False)
    except typer.TyperException as usage:
        context = getattr(usage, "ctx", None)
        if type(usage).__name__ == "NoArgsIsHelpError" and context is not None:
            typer.echo(context.get_help())  # a group without its command: help, as a usage error
            sys.exit(2)
        message = usage.format_message() if hasattr(usage, "format_message") else str(usage)
        where = context.command_path if context is not None else "dynaguard"
        err.print(
            f"[bold red]error:[/] {message} (see `{where} --help`)",
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
