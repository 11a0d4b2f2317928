"""Producer/consumer chaining: which responses yield ids, and which path parameters they fill.

Names differ between producers and consumers (`item_id` feeds `/notes/{note_id}`, a posted title
feeds `{slug}`), so a parameter is linked by the resource it names and by value, not by spelling."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from dynaguard.probe.spec.operations import Operation, singular

OWNER_KEYS = frozenset({"owner", "owner_id", "ownerId", "user_id", "userId", "created_by", "sub"})
TENANT_KEYS = frozenset(
    {"org_id", "orgId", "tenant_id", "tenantId", "organization_id", "account_id"}
)
USERNAME_KEYS = frozenset({"username", "user_name", "userName", "login", "handle", "nickname"})
EMAIL_KEYS = frozenset({"email", "mail", "email_address", "emailAddress"})
GENERIC_IDS = frozenset({"id", "uuid", "_id", "pk", "ID", "Id"})  # name no resource of their own
TEXT_KEYS = ("slug", "name", "title", "username", "handle", "key", "code", "label")
_MAX_DEPTH = 4


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
    path_values: dict[str, str] = field(default_factory=dict)
    sent: dict[str, str] = field(default_factory=dict)
    collection: str = ""

    def __post_init__(self) -> None:
        if not self.collection:
            self.collection = self.origin.collection


def is_id_key(key: str) -> bool:
    return key in ("id", "uuid", "key", "slug", "_id", "pk", "username") or (
        key.endswith("_id") or key.endswith("Id") or key.endswith("_uuid")
    )


def harvest_ids(data: Any, depth: int = 0) -> dict[str, str]:
    """Scalar id-like fields of an object and its nested objects (envelopes such as `{"data":
    {...}}` at any depth); the object's own level wins. Arrays are skipped: their elements may
    belong to other identities."""
    found: dict[str, str] = {}
    if not isinstance(data, dict) or depth > _MAX_DEPTH:
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


def scalars(data: Any, depth: int = 0) -> dict[str, str]:
    """Scalar string/number fields of a body the probe sent (envelopes flattened)."""
    found: dict[str, str] = {}
    if not isinstance(data, dict) or depth > 2:
        return found
    for key, value in data.items():
        if isinstance(value, dict):
            for inner, scalar in scalars(value, depth + 1).items():
                found.setdefault(inner, scalar)
        elif isinstance(value, (str, int)) and not isinstance(value, bool):
            found[str(key)] = str(value)
    return found


def records_with(data: Any, marker: str, depth: int = 0) -> list[dict[str, Any]]:
    """Objects inside a list answer (at any depth) whose own fields carry `marker`."""
    found: list[dict[str, Any]] = []
    if depth > _MAX_DEPTH:
        return found
    if isinstance(data, list):
        for entry in data:
            if isinstance(entry, dict) and marker in str(entry):
                found.append(entry)
            found.extend(records_with(entry, marker, depth + 1) if isinstance(entry, dict) else [])
    elif isinstance(data, dict):
        for value in data.values():
            if isinstance(value, (list, dict)):
                found.extend(records_with(value, marker, depth + 1))
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


def stem(name: str) -> str:
    """`note_id` → `note`, `noteId` → `note`, `id` → `` (the resource a parameter names)."""
    value = _norm(name)
    for suffix in ("uuid", "id", "pk"):
        if value.endswith(suffix) and value != suffix:
            return singular(value[: -len(suffix)])
        if value == suffix:
            return ""
    return singular(value)


def own_id(resource: Resource) -> str | None:
    """The resource's own identifier, whatever the producer called it."""
    ids = resource.ids
    coll = resource.collection
    for key in ("id", "uuid", "_id", "pk"):
        if key in ids:
            return ids[key]
    for key, value in ids.items():
        if coll and stem(key) == coll:
            return value
    parents = {stem(key) for key in resource.path_values}
    rest = [
        v for k, v in ids.items() if is_id_key(k) and stem(k) not in parents and k not in OWNER_KEYS
    ]
    rest = [v for v in rest if v not in resource.path_values.values()]
    return rest[0] if len(rest) == 1 else None


def value_for(name: str, resource: Resource, last: bool, consumer_collection: str) -> str | None:
    """The value for one parameter (path or body) from one resource, or None."""
    ids = resource.ids
    generic = name in GENERIC_IDS and consumer_collection != resource.collection
    if name in ids and not generic:
        return ids[name]
    normalized = {_norm(key): value for key, value in ids.items()}
    if _norm(name) in normalized and not generic:
        return normalized[_norm(name)]
    if name in resource.path_values:
        return resource.path_values[name]
    named = stem(name)
    same = named == resource.collection or (
        last and not named and consumer_collection == resource.collection
    )
    related = consumer_collection == resource.collection or named.startswith(resource.collection)
    if name in resource.sent and related and resource.collection:
        return resource.sent[name]  # the value the probe itself posted (`book_title`)
    if named in TEXT_KEYS or _norm(name).endswith(TEXT_KEYS):
        if not (same or consumer_collection == resource.collection):
            return None
        for key in (name, "slug", "title", "name", "username"):
            if key in resource.sent:
                return resource.sent[key]
        return resource.canary
    if same or (last and consumer_collection == resource.collection and not named):
        return own_id(resource)
    return None


def fill(consumer: Operation, resource: Resource) -> dict[str, str] | None:
    """Path parameter values for `consumer` from the resource, or None if any is unknown."""
    if resource.location:
        from_location = consumer.matches(resource.location)
        if from_location is not None:
            return from_location
    names = consumer.path_params
    values = fill_names(names, consumer.collection, resource)
    if values is None and names and item_of(consumer, resource):
        head = fill_names(names[:-1], consumer.collection, resource)
        own = own_id(resource)
        if head is not None and own is not None:
            values = {**head, names[-1]: own}
    return values


def _template(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path.rstrip("/"))


def item_of(consumer: Operation, resource: Resource) -> bool:
    """Linked by position, whatever the parameter is called: `/catalog/{entry_id}` names one
    object of what `POST /catalog` created or `GET /catalog` listed."""
    head, _, last = consumer.path.rstrip("/").rpartition("/")
    if last != "{" + consumer.path_params[-1] + "}":
        return False
    return _template(head) == _template(resource.origin.path) and bool(head)


def fill_names(names: list[str], collection: str, resource: Resource) -> dict[str, str] | None:
    values: dict[str, str] = {}
    for index, name in enumerate(names):
        value = value_for(name, resource, index == len(names) - 1, collection)
        if value is None:
            return None
        values[name] = value
    return values


def remember_self(data: Any, depth: int = 0, me_route: bool = False) -> dict[str, str]:
    """Owner, tenant, username and email values in a caller's own object, at any depth; on a
    `/me`-like route the object's `id` is the caller's user id."""
    found: dict[str, str] = {}
    if not isinstance(data, dict) or depth > _MAX_DEPTH:
        return found
    for key, value in data.items():
        if isinstance(value, dict):
            for kind, inner in remember_self(value, depth + 1, me_route).items():
                found.setdefault(kind, inner)
        elif isinstance(value, (str, int)) and not isinstance(value, bool):
            if key in OWNER_KEYS or (me_route and key in ("id", "uuid")):
                found.setdefault("user", str(value))
            elif key in TENANT_KEYS:
                found.setdefault("tenant", str(value))
            elif me_route and key in USERNAME_KEYS:
                found.setdefault("username", str(value))
            elif me_route and key in EMAIL_KEYS:
                found.setdefault("email", str(value))
    return found


def alternatives(
    consumer: Operation, resource: Resource, values: dict[str, str], limit: int = 3
) -> list[dict[str, str]]:
    """Other ids of the same object for the last parameter (`uuid` when `id` was refused)."""
    if not consumer.path_params:
        return []
    last = consumer.path_params[-1]
    skip = OWNER_KEYS | TENANT_KEYS
    seen = {values.get(last), *resource.path_values.values()}
    found = []
    for key, value in resource.ids.items():
        if key in skip or value in seen:
            continue
        seen.add(value)
        found.append({**values, last: value})
    return found[:limit]
