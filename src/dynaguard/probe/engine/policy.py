"""Who may call what: a YAML policy file, else defaults (object routes owner-only, admin admin)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from dynaguard.probe.engine.identities import Identity
from dynaguard.probe.errors import ProbeError
from dynaguard.probe.spec.operations import Operation

PUBLIC = "public"
AUTHENTICATED = "authenticated"
OWNER = "owner"
SHARED = "shared"


@dataclass(frozen=True)
class Access:
    """The rule for one operation: public, authenticated, or a set of roles (`owner` included)."""

    level: str
    roles: frozenset[str] = frozenset()
    source: str = "default"

    @property
    def owner_allowed(self) -> bool:
        return self.level == OWNER or OWNER in self.roles

    def role_allows(self, identity: Identity) -> bool:
        """Whether the identity may call this route regardless of who owns the object."""
        if self.level == PUBLIC:
            return True
        if identity.anonymous:
            return False
        if self.level in (AUTHENTICATED, SHARED):
            return True
        return bool(identity.roles & (self.roles - {OWNER}))

    def may_call(self, identity: Identity) -> bool:
        """Function-level: may this identity use the route at all (on its own objects)?"""
        if self.role_allows(identity):
            return True
        return self.owner_allowed and not identity.anonymous


class Policy:
    """Looks rules up by operation id or `METHOD /path`; unlisted operations get the default."""

    def __init__(
        self,
        rules: dict[str, Access] | None = None,
        admin_role: str = "admin",
        allow: frozenset[str] = frozenset(),
        source: str = "defaults",
    ) -> None:
        self.rules = rules or {}
        self.admin_role = admin_role
        self.allow = allow
        self.source = source

    def allows_unsafe(self, operation: Operation) -> bool:
        """The policy's `allow` list opts reset/seed/logout-like routes back in."""
        return operation.key in self.allow or (operation.operation_id or "") in self.allow

    def access(self, operation: Operation) -> Access:
        for name in (operation.key, operation.operation_id or ""):
            if name in self.rules:
                return self.rules[name]
        return self._default(operation)

    def _default(self, operation: Operation) -> Access:
        if operation.is_health_or_docs:
            return Access(PUBLIC)
        words = {tag.lower() for tag in operation.tags}
        words |= {part.lower() for part in operation.path.strip("/").split("/")}
        words |= set((operation.operation_id or "").lower().split("_"))
        if "admin" in words:
            return Access("roles", frozenset({self.admin_role}))
        if operation.is_object_route:
            return Access(OWNER)
        return Access(AUTHENTICATED)


def _access(key: str, value: Any) -> Access:
    if value in (PUBLIC, AUTHENTICATED, SHARED, OWNER):
        return Access(str(value), source="policy")
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list) and value and all(isinstance(role, str) for role in value):
        return Access("roles", frozenset(value), source="policy")
    raise ProbeError(
        f"bad policy rule {key!r}: use public, authenticated, shared, owner or a role list"
    )


def load_policy(path: Path | None) -> Policy:
    """Read the policy file (format in the README); any shape error is a one-line ProbeError."""
    if path is None:
        return Policy()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ProbeError(f"cannot read policy {path}: {error.strerror or error}") from None
    except yaml.YAMLError:
        raise ProbeError(f"bad policy {path}: not valid YAML") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("rules", {}), dict):
        raise ProbeError(f"bad policy {path}: expected a mapping with a `rules` mapping")
    admin_role = str(raw.get("admin_role", "admin"))
    rules = {str(key): _access(str(key), value) for key, value in raw.get("rules", {}).items()}
    allow = raw.get("allow", [])
    if not isinstance(allow, list) or not all(isinstance(item, str) for item in allow):
        raise ProbeError(f"bad policy {path}: `allow` must be a list of `METHOD /path` strings")
    return Policy(rules, admin_role, frozenset(allow), str(path))
