"""`dynaguard token`: mint a development token, or print the dev issuer's public key set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from dynaguard.auth.dev_issuer import MAX_TTL_SECONDS, DevIssuer
from dynaguard.clikit import err, fail, load_settings


def token(
    sub: Annotated[str | None, typer.Option(help="user id (the token's sub)")] = None,
    org: Annotated[str | None, typer.Option(help="organization id (tenant)")] = None,
    role: Annotated[
        list[str] | None, typer.Option(help="role, repeatable; `admin` = admin of --org")
    ] = None,
    ttl: Annotated[
        int, typer.Option(min=1, max=MAX_TTL_SECONDS, help="lifetime in seconds")
    ] = 3600,
    jwks: Annotated[bool, typer.Option("--jwks", help="print the public key set instead")] = False,
    data_dir: Annotated[
        Path | None, typer.Option(help="data directory  [env: DYNAGUARD_DATA_DIR]")
    ] = None,
) -> None:
    """Print a token signed by the local dev key (created on first use, mode 0600)."""
    settings = load_settings(data_dir=data_dir)
    if not jwks and (sub is None or org is None):
        fail("--sub and --org are required (or pass --jwks)", code=2)  # a usage error
    issuer = DevIssuer.load_or_create(settings)
    if jwks:
        typer.echo(json.dumps(issuer.jwks(), indent=2))
        return
    assert sub is not None and org is not None
    if settings.uses_oidc:
        err.print("note: OIDC is configured, so the served app will not accept this token")
    try:
        typer.echo(issuer.issue(sub, org, role or (), ttl_seconds=ttl))
    except ValueError as error:
        fail(f"{error} (letters, digits, _ . @ : + | -; at most 128)")
