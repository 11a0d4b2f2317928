"""Settings in one place: every knob is a `DYNAGUARD_*` environment variable and, where it helps,
a CLI flag of the same name. Nothing here talks to AWS; `mode="aws"` must be chosen explicitly."""

from __future__ import annotations

import base64
import binascii
import os
import re
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


CURSOR_SECRET_BYTES = 32
_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")


def cursor_secret_entropy(text: str) -> bytes:
    """The random bytes a `DYNAGUARD_CURSOR_SECRET` stands for: hex (`openssl rand -hex 32`) or
    base64/base64url (`openssl rand -base64 32`, `secrets.token_urlsafe(32)`) decoding to at least
    32 bytes, of which at least 16 differ (32 random bytes always do; `aaaa...` and repeated
    patterns do not). Anything else is refused: a short or hand-typed secret lets anyone who
    guesses it forge page cursors."""
    value = text.strip()
    decoded = b""
    if _HEX.fullmatch(value):
        decoded = bytes.fromhex(value)
    elif _BASE64.fullmatch(value):
        alphabet = value.replace("-", "+").replace("_", "/").rstrip("=")
        try:
            decoded = base64.b64decode(alphabet + "=" * (-len(alphabet) % 4), validate=True)
        except (binascii.Error, ValueError):
            decoded = b""
    if len(decoded) < CURSOR_SECRET_BYTES or len(set(decoded)) < CURSOR_SECRET_BYTES // 2:
        raise ValueError(
            "must be 32 random bytes, hex or base64 encoded (64+ hex digits or 43+ base64 "
            "characters), e.g. the output of `openssl rand -hex 32`"
        )
    return decoded


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

    # Every DynamoDB call of the store gives up (503) after this long, retries included.
    dynamodb_deadline_seconds: float = Field(default=2.0, ge=0.3, le=60)

    max_body_bytes: int = Field(default=64 * 1024, ge=1024)

    @field_validator("log_level")
    @classmethod
    def _known_log_level(cls, value: str) -> str:
        level = value.lower()
        if level not in {"critical", "error", "warning", "info", "debug"}:
            raise ValueError("log level must be one of critical, error, warning, info, debug")
        return level

    @field_validator("cursor_secret")
    @classmethod
    def _random_cursor_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            cursor_secret_entropy(value.get_secret_value())
        return value

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

    # The HTTP edge: what one client may hold (dynaguard.fastapi.server, .limits, .shedding).
    max_header_bytes: int = Field(default=32 * 1024, ge=4 * 1024, le=1024 * 1024)
    header_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    body_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    keep_alive_timeout_seconds: int = Field(default=5, ge=1, le=300)
    max_concurrent_requests: int = Field(default=64, ge=1)
    # Writes to owned items must carry `If-Match: "<version>"` (428 without it).
    require_if_match: bool = False
    # Browser origins allowed by CORS, e.g. ["https://app.example.com"]; none by default (off).
    cors_origins: list[str] = Field(default_factory=list)

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if origin != "*" and not re.fullmatch(r"https?://[^/\s?#]+", origin):
                raise ValueError(f"CORS origin {origin!r} is not like https://app.example.com")
        return value

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
