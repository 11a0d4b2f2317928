"""Who the probe acts as: named credentials, their roles and tenant, plus the anonymous caller."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field

from dynaguard.probe.errors import ProbeError

ANONYMOUS = "anonymous"
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,39}$")


@dataclass
class Identity:
    """One caller; `token` is never printed (reporters redact it), `roles` feed the policy."""

    name: str
    token: str | None
    roles: frozenset[str] = frozenset()
    tenant: str | None = None
    attributes: dict[str, set[str]] = field(default_factory=dict)

    @property
    def anonymous(self) -> bool:
        return self.token is None

    def headers(self) -> dict[str, str]:
        """The Authorization header; a token that names its scheme (`Basic x`) is sent as is."""
        if self.token is None:
            return {}
        value = self.token if " " in self.token else f"Bearer {self.token}"
        return {"Authorization": value}

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
