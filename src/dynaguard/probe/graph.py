"""Producer/consumer chaining: which responses yield ids, and which path parameters they fill."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from dynaguard.probe.operations import Operation

OWNER_KEYS = frozenset({"owner", "owner_id", "ownerId", "user_id", "userId", "created_by", "sub"})
TENANT_KEYS = frozenset(
    {"org_id", "orgId", "tenant_id", "tenantId", "organization_id", "account_id"}
)


@dataclass
class Resource:
    """An object one identity made (or owns, like its profile), with the ids harvested for it."""

    owner: str
    origin: Operation
    canary: str | None
    ids: dict[str, str] = field(default_factory=dict)
    location: str | None = None
    probe_created: bool = True
    alive: bool = True


def is_id_key(key: str) -> bool:
    return key in ("id", "uuid", "key", "slug") or key.endswith("_id") or key.endswith("Id")


def harvest_ids(data: Any, depth: int = 0) -> dict[str, str]:
    """Scalar id-like fields of an object and its nested objects; arrays (lists) are skipped
    because their elements may belong to other identities."""
    found: dict[str, str] = {}
    if not isinstance(data, dict) or depth > 2:
        return found
    nested: list[dict[str, str]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            nested.append(harvest_ids(value, depth + 1))
        elif isinstance(value, (str, int)) and not isinstance(value, bool) and is_id_key(key):
            found[str(key)] = str(value)
    for more in nested:
        for key, value in more.items():
            found.setdefault(key, value)
    return found


def location_path(location: str | None, base_path: str) -> str | None:
    """The path of a Location header, relative to the API base path (only for the same host)."""
    if not location:
        return None
    path = urlsplit(location).path
    if base_path and path.startswith(base_path):
        path = path[len(base_path) :]
    return path or None


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _same_collection(consumer: Operation, producer: Operation) -> bool:
    if consumer.prefix == producer.path.rstrip("/"):
        return True
    last = [p for p in consumer.prefix.split("/") if p][-1:]
    mine = [p for p in producer.path.split("/") if p and "{" not in p][-1:]
    return bool(last) and last == mine


def fill(consumer: Operation, resource: Resource) -> dict[str, str] | None:
    """Path parameter values for `consumer` from the resource, or None if any is unknown."""
    if resource.location:
        from_location = consumer.matches(resource.location)
        if from_location is not None:
            return from_location
    values: dict[str, str] = {}
    normalized = {_norm(key): value for key, value in resource.ids.items()}
    names = consumer.path_params
    for index, name in enumerate(names):
        if name in resource.ids:
            values[name] = resource.ids[name]
        elif _norm(name) in normalized:
            values[name] = normalized[_norm(name)]
        elif (
            index == len(names) - 1
            and "id" in resource.ids
            and _same_collection(consumer, resource.origin)
        ):
            values[name] = resource.ids["id"]
        else:
            return None
    return values


def remember_self(data: Any) -> dict[str, str]:
    """Owner and tenant values found at the top level of a caller's own object."""
    found: dict[str, str] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                if key in OWNER_KEYS:
                    found.setdefault("user", str(value))
                elif key in TENANT_KEYS:
                    found.setdefault("tenant", str(value))
    return found
