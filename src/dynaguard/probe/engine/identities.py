"""Who the probe acts as: named credentials, their roles and tenant, plus the anonymous caller."""

from __future__ import annotations

import base64
import json
import re
import subprocess
from dataclasses import dataclass, field
from typing import Any

from dynaguard.probe.errors import ProbeError

ANONYMOUS = "anonymous"
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,39}$")
_HEADER_TOKEN = re.compile(r"^([A-Za-z][A-Za-z0-9-]*):\s+(\S.*)$")
CLAIM_KINDS = {
    "sub": "user", "user_id": "user", "userId": "user", "uid": "user", "id": "user",
    "username": "username", "preferred_username": "username", "name": "username",
    "email": "email", "org_id": "tenant", "tenant_id": "tenant", "tenant": "tenant",
}  # fmt: skip


@dataclass(frozen=True)
class AuthScheme:
    """Where a bare token goes: a header (with a prefix such as `Bearer `), a query or a cookie.

    Read from the document's securitySchemes, so `X-API-Key` or `Token` APIs work unchanged."""

    where: str = "header"
    name: str = "Authorization"
    prefix: str = "Bearer "


BEARER = AuthScheme()


@dataclass
class Identity:
    """One caller; `token` is never printed (reporters redact it), `roles` feed the policy."""

    name: str
    token: str | None
    roles: frozenset[str] = frozenset()
    tenant: str | None = None
    attributes: dict[str, set[str]] = field(default_factory=dict)
    scheme: AuthScheme = BEARER
    check_path: str | None = None

    @property
    def anonymous(self) -> bool:
        return self.token is None

    @property
    def auth_header(self) -> str | None:
        """The header name that carries the credential (reporters redact it)."""
        if self.token is None:
            return None
        found = _HEADER_TOKEN.match(self.token)
        if found:
            return found.group(1)
        return self.scheme.name if self.scheme.where == "header" else None

    def headers(self) -> dict[str, str]:
        """The credential header: `Name: value` tokens name their header; a token with a space
        (`Token x`, `Basic x`) is sent as is; else the document's scheme decides."""
        if self.token is None:
            return {}
        found = _HEADER_TOKEN.match(self.token)
        if found:
            return {found.group(1): found.group(2)}
        if " " in self.token:
            return {"Authorization": self.token}
        if self.scheme.where == "header":
            return {self.scheme.name: self.scheme.prefix + self.token}
        if self.scheme.where == "cookie":
            return {"Cookie": f"{self.scheme.name}={self.token}"}
        return {}

    def query(self) -> dict[str, str]:
        """The credential as a query parameter, for `apiKey in: query` schemes."""
        if self.token is None or self.scheme.where != "query" or " " in self.token:
            return {}
        return {self.scheme.name: self.token}

    def claims(self) -> dict[str, Any]:
        """The unverified payload of a JWT token (only read, to learn who the caller is)."""
        raw = (self.token or "").split(" ")[-1]
        parts = raw.split(".")
        if len(parts) != 3:
            return {}
        try:
            padded = parts[1] + "=" * (-len(parts[1]) % 4)
            payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        except ValueError:
            return {}
        return payload if isinstance(payload, dict) else {}

    def learn_from_claims(self) -> None:
        for claim, kind in CLAIM_KINDS.items():
            value = self.claims().get(claim)
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                self.remember(kind, str(value))

    def remember(self, kind: str, value: str) -> None:
        """Record a value the service uses for this caller (its user id, its org id...)."""
        self.attributes.setdefault(kind, set()).add(value)

    def first(self, kind: str) -> str | None:
        values = sorted(self.attributes.get(kind, ()))
        return values[0] if values else None


def _split(spec: str, option: str) -> tuple[str, str]:
    name, sep, value = spec.partition("=")
    name = name.strip()
    if not sep or not _NAME.match(name) or not value.strip():
        raise ProbeError(f"bad {option} {spec.split('=')[0]!r}: expected NAME=VALUE")
    if name == ANONYMOUS:
        raise ProbeError(f"{option}: the name {ANONYMOUS!r} is reserved (it is always added)")
    return name, value.strip()


def _run_token_command(name: str, command: str) -> str:
    """Run the user's token command; fail in one line and never echo what it printed."""
    try:
        done = subprocess.run(
            command, shell=True, capture_output=True, text=True, timeout=30, check=False
        )
    except subprocess.TimeoutExpired:
        raise ProbeError(f"--identity-cmd for {name} timed out after 30 s") from None
    token = done.stdout.strip()
    if done.returncode != 0:
        raise ProbeError(f"--identity-cmd for {name} failed with exit code {done.returncode}")
    if not token or "\n" in token:
        raise ProbeError(f"--identity-cmd for {name} must print exactly one non-empty line")
    return token


def build_identities(
    tokens: list[str], commands: list[str], roles: list[str], tenants: list[str]
) -> list[Identity]:
    """Parse the CLI specs into identities (anonymous last); at least two named ones are needed."""
    found: dict[str, Identity] = {}
    for spec in tokens:
        name, token = _split(spec, "--identity")
        if name in found:
            raise ProbeError(f"identity {name} given twice")
        found[name] = Identity(name, token)
    for spec in commands:
        name, command = _split(spec, "--identity-cmd")
        if name in found:
            raise ProbeError(f"identity {name} given twice")
        found[name] = Identity(name, _run_token_command(name, command))
    if len(found) < 2:
        raise ProbeError("at least two identities are needed (--identity NAME=TOKEN, twice)")
    for spec in roles:
        name, value = _split(spec, "--role")
        if name not in found:
            raise ProbeError(f"--role names unknown identity {name}")
        extra = {role.strip() for role in value.split(",") if role.strip()}
        found[name].roles = found[name].roles | frozenset(extra)
    for spec in tenants:
        name, value = _split(spec, "--tenant")
        if name not in found:
            raise ProbeError(f"--tenant names unknown identity {name}")
        found[name].tenant = value
    return [*found.values(), Identity(ANONYMOUS, None)]


def scheme_from(raw: dict[str, Any]) -> AuthScheme:
    """The first usable security scheme of the document (Bearer if none is declared)."""
    schemes = (raw.get("components") or {}).get("securitySchemes") or {}
    for spec in schemes.values() if isinstance(schemes, dict) else ():
        if not isinstance(spec, dict):
            continue
        kind = str(spec.get("type", "")).lower()
        if (
            kind == "apikey"
            and spec.get("in") in ("header", "query", "cookie")
            and spec.get("name")
        ):
            return AuthScheme(str(spec["in"]), str(spec["name"]), "")
        if kind == "http" and str(spec.get("scheme", "")).lower() == "basic":
            return AuthScheme(prefix="Basic ")
        if kind in ("http", "oauth2", "openidconnect"):
            return BEARER
    return BEARER
