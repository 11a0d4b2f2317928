"""What every way of serving does before the first request: `dynaguard serve`, the ASGI factory
(uvicorn, gunicorn) and the Lambda handler share these checks, so none of them can skip one.

- which token issuer is trusted, said in one line, and the dev issuer refused where it would be
  reachable from other machines unless explicitly allowed;
- the table: created only in local mode; with Amazon DynamoDB it must already exist (created by
  `dynaguard table create` or the deploy template), so a wrong region fails instead of quietly
  creating a second, empty table;
- the app factory: `module:function(settings, client)`, loaded with one-line errors."""

from __future__ import annotations

import importlib
import inspect
import ipaddress
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from dynaguard.auth import describe_trust, uses_dev_issuer
from dynaguard.config import Mode, Settings
from dynaguard.errors import DynaguardError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

AppFactory = Callable[[Settings, Any], Any]


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, `localhost`)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def check_issuer(settings: Settings, host: str | None) -> str:
    """Refuse the dev issuer beyond loopback unless allowed; return the one-line trust statement.

    `host` is the bind address, or None when it is unknown (the ASGI factory, Lambda), which
    counts as reachable from elsewhere. Anyone with the data directory's key can mint any
    identity for the dev issuer, so it must not be trusted by a reachable service by accident."""
    if not uses_dev_issuer(settings):
        return describe_trust(settings)
    where = "an unknown address" if host is None else host
    if (host is None or not is_loopback(host)) and not settings.allow_dev_issuer:
        raise DynaguardError(
            f"refusing to serve on {where} with the dev issuer (any holder of its key can "
            "sign in as anyone): set DYNAGUARD_OIDC_ISSUER, bind to 127.0.0.1, or pass "
            "--allow-dev-issuer (DYNAGUARD_ALLOW_DEV_ISSUER=1) if that is really meant"
        )
    return describe_trust(settings)


def open_table(settings: Settings, client: DynamoDBClient) -> None:
    """Check the table (DescribeTable); create it only in local mode."""
    from dynaguard.store.table import check_schema, create_table, describe_table

    if settings.mode is not Mode.AWS:
        create_table(client, settings.table)
        return
    description = describe_table(client, settings.table)
    if description is None:
        region = client.meta.region_name
        raise DynaguardError(
            f"table {settings.table} does not exist in {region}; check the region, or create "
            "it with `dynaguard table create` (or the template in deploy/)"
        )
    check_schema(description)


def load_factory(spec: str) -> AppFactory:
    """Import `module:function` taking `(settings, client)`; a wrong spec is one line."""
    module_name, colon, attribute = spec.partition(":")
    if not colon or not module_name.strip() or not attribute.strip():
        raise DynaguardError(f"app factory must be written module:function, got {spec!r}")
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # like uvicorn: factories in the working directory
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise DynaguardError(f"cannot load app factory {spec!r}: {error}") from None
    factory = getattr(module, attribute, None)
    if factory is None:
        raise DynaguardError(f"cannot load app factory {spec!r}: {module_name} has no {attribute}")
    if not callable(factory):
        raise DynaguardError(f"app factory {spec!r} is not callable")
    try:
        inspect.signature(factory).bind(None, None)
    except TypeError:
        raise DynaguardError(
            f"app factory {spec!r} must accept (settings, client) and return an ASGI app"
        ) from None
    except ValueError:
        pass  # no signature to inspect (some builtins): the call will tell
    return cast(AppFactory, factory)


def build_app(factory: AppFactory, settings: Settings, client: DynamoDBClient) -> Any:
    """Call the factory and check that it returned something an ASGI server can serve."""
    spec = settings.app
    try:
        application = factory(settings, client)
    except TypeError as error:
        raise DynaguardError(f"app factory {spec!r} failed: {error}") from None
    if not callable(application):
        kind = type(application).__name__
        raise DynaguardError(f"app factory {spec!r} returned a {kind}, not an ASGI app")
    return application
