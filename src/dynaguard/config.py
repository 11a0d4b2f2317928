"""Settings in one place: every knob is a `DYNAGUARD_*` environment variable and, where it helps,
a CLI flag of the same name. Nothing here talks to AWS; `mode="aws"` must be chosen explicitly."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_cache_dir() -> Path:
    """The user's cache directory (XDG): `$XDG_CACHE_HOME/dynaguard`, else `~/.cache/dynaguard`."""
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "dynaguard"


class Mode(StrEnum):
    """`local` runs (or points at) a DynamoDB-compatible engine; `aws` uses Amazon DynamoDB."""

    LOCAL = "local"
    AWS = "aws"


class Settings(BaseSettings):
    """Validated configuration; construct once per process and pass it down."""

    model_config = SettingsConfigDict(env_prefix="DYNAGUARD_", extra="ignore", frozen=True)

    mode: Mode = Mode.LOCAL
    dynamodb_endpoint: str | None = None
    region: str | None = None
    """AWS region; unset means the standard chain (AWS_REGION, AWS_DEFAULT_REGION, the profile)."""
    table: str = Field(default="dynaguard", pattern=r"^[A-Za-z0-9_.-]{3,255}$")
    data_dir: Path = Path(".dynaguard")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    log_level: str = "info"

    # Authentication (see dynaguard.auth). Without an OIDC issuer, local mode trusts the dev issuer.
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_jwks_url: str | None = None
    oidc_client_id: str | None = None
    oidc_token_use: str | None = None
    jwt_algorithms: list[str] = Field(default_factory=lambda: ["RS256", "ES256"])
    jwt_leeway_seconds: int = Field(default=30, ge=0, le=300)
    claim_sub: str = "sub"
    claim_org: str = "org_id"
    claim_roles: str = "roles"
    jwks_cache_seconds: int = Field(default=3600, ge=1)
    jwks_refresh_cooldown_seconds: int = Field(default=60, ge=0)
    dev_issuer: str = "dynaguard-dev"
    dev_audience: str = "dynaguard"

    # Sealed pagination cursors; in local mode the secret is generated into the data directory.
    cursor_secret: SecretStr | None = None
    cursor_ttl_seconds: int = Field(default=900, ge=1)

    max_body_bytes: int = Field(default=64 * 1024, ge=1024)

    @field_validator("log_level")
    @classmethod
    def _known_log_level(cls, value: str) -> str:
        level = value.lower()
        if level not in {"critical", "error", "warning", "info", "debug"}:
            raise ValueError("log level must be one of critical, error, warning, info, debug")
        return level

    @field_validator("dynamodb_endpoint")
    @classmethod
    def _http_endpoint(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("DynamoDB endpoint must be an http:// or https:// URL")
        return value

    @property
    def uses_oidc(self) -> bool:
        """True when tokens are trusted from an external OIDC issuer rather than the dev issuer."""
        return self.oidc_issuer is not None or self.mode is Mode.AWS

    # Serving and the embedded engine (dynaguard serve, the ASGI factory, DynamoDB Local).
    allow_dev_issuer: bool = False
    """Trust the dev issuer although the service listens beyond loopback (or runs from the ASGI
    factory, whose bind address is unknown). Without it that combination is refused."""
    app: str = "dynaguard.service:create_app"
    """`module:function(settings, client) -> ASGI app` that `serve` and the ASGI factory build."""
    workers: int = Field(default=1, ge=1, le=64)
    engine_heap: str = Field(default="512m", pattern=r"^[1-9][0-9]*[kKmMgG]$")
    """Heap ceiling of the embedded DynamoDB Local JVM (`-Xmx`); the JVM's own default is a
    quarter of the machine's memory."""
    cache_dir: Path = Field(default_factory=lambda: default_cache_dir())
    """Where DynamoDB Local is downloaded once per machine (not per data directory)."""
