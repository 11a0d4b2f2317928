"""The state one probe run shares between its phases, and the single place calls are judged."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dynaguard.probe.engine import complaints, judge
from dynaguard.probe.engine.canary import Canaries
from dynaguard.probe.engine.client_named import with_sibling
from dynaguard.probe.engine.coverage import Coverage
from dynaguard.probe.engine.identities import Identity
from dynaguard.probe.engine.policy import PUBLIC, SHARED, Policy
from dynaguard.probe.engine.relations import is_relation_route
from dynaguard.probe.engine.transport import Exchange, Transport
from dynaguard.probe.findings import STATE, Finding
from dynaguard.probe.spec.bodies import (
    ENUM_LIKE,
    IDENTITY_FIELDS,
    SENSITIVE,
    BodyContext,
    field_schema,
    generate,
    is_plain_text,
    property_names,
)
from dynaguard.probe.spec.document import Document
from dynaguard.probe.spec.graph import (
    Resource,
    fill,
    fill_names,
    is_id_key,
    stem,
    value_for,
)
from dynaguard.probe.spec.operations import Operation

_EVIDENCE_LIMIT = 4
_WRITES = ("POST", "PUT", "PATCH")
ORDINARY_ROLES = frozenset({"user", "member", "customer", "viewer", "reader", "guest", "basic"})


def privileged(identity: Identity) -> bool:
    """Marked privileged by `--role` (any role but the ordinary ones)."""
    return bool(identity.roles - ORDINARY_ROLES)


def _unique(operations: list[Operation]) -> list[Operation]:
    seen: list[Operation] = []
    for operation in operations:
        if all(operation is not other for other in seen):
            seen.append(operation)
    return seen


def _collect_enums(data: Any, seen: dict[str, set[str]], depth: int = 0) -> None:
    """Values of enum-like fields (`role`, `status`...) in the identities' own answers."""
    if depth > 4:
        return
    if isinstance(data, list):
        for entry in data[:20]:
            _collect_enums(entry, seen, depth + 1)
    elif isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, (dict, list)):
                _collect_enums(value, seen, depth + 1)
            elif isinstance(value, str) and str(key).lower() in ENUM_LIKE and len(value) < 40:
                seen.setdefault(str(key).lower(), set()).add(value)


def _own_roles(data: Any, depth: int = 0) -> set[str]:
    """`role`/`roles` values of one object (nested objects too, never lists of records)."""
    found: set[str] = set()
    if not isinstance(data, dict) or depth > 3:
        return found
    for key, value in data.items():
        if isinstance(value, dict):
            found |= _own_roles(value, depth + 1)
        elif str(key).lower() in ("role", "roles"):
            values = value if isinstance(value, list) else [value]
            found |= {v for v in values if isinstance(v, str) and len(v) < 40}
    return found


@dataclass
class ProbeContext:
    """Operations, identities, harvested resources and findings; `call` scans every response."""

    transport: Transport
    document: Document
    operations: list[Operation]
    identities: list[Identity]
    policy: Policy
    destructive: bool
    canaries: Canaries = field(default_factory=Canaries)
    resources: list[Resource] = field(default_factory=list)
    findings: dict[tuple[str, str, str, str | None], Finding] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    on_phase: Callable[[str], None] | None = None
    coverage: Coverage = field(default_factory=Coverage)
    checks: dict[str, tuple[Operation, dict[str, str], int]] = field(default_factory=dict)
    public: dict[str, str] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)
    create_status: dict[str, int] = field(default_factory=dict)
    privileged: dict[str, str] = field(default_factory=dict)
    per_caller: dict[str, str] = field(default_factory=dict)
    lost: set[str] = field(default_factory=set)
    health: dict[str, int] = field(default_factory=dict)
    sent_writes: list[tuple[str, Exchange]] = field(default_factory=list)
    enum_values: dict[str, set[str]] = field(default_factory=dict)
    public_canaries: set[str] = field(default_factory=set)
    public_fields: dict[str, set[str]] = field(default_factory=dict)
    after_write: Callable[[Identity, Operation, Exchange], None] | None = None
    held_back: list[Operation] = field(default_factory=list)
    privileged_roles: set[str] = field(default_factory=set)

    @property
    def named(self) -> list[Identity]:
        return [identity for identity in self.identities if not identity.anonymous]

    @property
    def anonymous(self) -> Identity:
        return next(identity for identity in self.identities if identity.anonymous)

    def identity(self, name: str) -> Identity:
        return next(identity for identity in self.identities if identity.name == name)

    def others(self, owner: str) -> list[Identity]:
        return [identity for identity in self.identities if identity.name != owner]

    def phase(self, name: str) -> None:
        if self.on_phase is not None:
            self.on_phase(name)

    def own_values(self, identity: Identity) -> dict[str, str]:
        """Values for fields that name the caller: its own, never a canary (no self lock-out)."""
        own: dict[str, str] = {}
        user = identity.first("user")
        if user is not None:
            own.update({key: user for key in ("owner_id", "user_id", "owner")})
        for kind, keys in (("username", ("username", "user_name", "login")), ("email", ("email",))):
            value = identity.first(kind)
            if value is not None:
                own.update({key: value for key in keys})
        return own

    def body_for(
        self, operation: Operation, identity: Identity, canary: str, *, full: bool = False
    ) -> Any:
        if operation.body_schema is None:
            return None
        own = self.own_values(identity)
        if operation.method == "POST":
            own = {k: v for k, v in own.items() if k not in IDENTITY_FIELDS}
        links = self.links_for(operation, identity)
        context = BodyContext(self.document, canary, own, full, links, self.enum_values)
        body = generate(operation.body_schema, context)
        for name in sorted(context.withheld):
            note = (
                f"{operation.key}: no value sent for enum-like `{name}` (the document gives no "
                "enum and no identity's data shows one)"
            )
            if note not in self.notes:
                self.notes.append(note)
        return body

    def repaired(
        self, operation: Operation, identity: Identity, canary: str, body: Any, refusal: Exchange
    ) -> Any:
        """The refused body with the fields its error answer names fixed: missing ones added,
        unknown ones dropped, invalid ones generated again under the constraints the message
        states and never the refused value. None when no field is named or nothing changes."""
        if not isinstance(body, dict) or operation.body_schema is None:
            return None
        names = property_names(operation.body_schema, self.document) | set(body)
        fixed = copy.deepcopy(body)
        for complaint in complaints.read(refusal.data, names):
            holder: Any = fixed
            for part in complaint.path[:-1]:
                holder = holder.setdefault(part, {}) if isinstance(holder, dict) else None
            key = complaint.path[-1]
            if not isinstance(holder, dict):
                continue
            if complaint.kind == complaints.UNKNOWN:
                holder.pop(key, None)
                continue
            schema = {**field_schema(operation.body_schema, complaint.path, self.document)}
            schema.update(complaint.hints)
            if key.lower() in SENSITIVE or (key.lower() in ENUM_LIKE and "enum" not in schema):
                continue  # never an invented owner, role or status
            own = self.own_values(identity)
            links = self.links_for(operation, identity)
            refused = {key: holder[key]} if key in holder else {}
            context = BodyContext(
                self.document, canary, own, True, links, self.enum_values, avoid=refused
            )
            holder[key] = own.get(key) or links.get(key) or generate(schema, context, key)
        return fixed if fixed != body else None

    def links_for(self, operation: Operation, identity: Identity) -> dict[str, str]:
        """Id fields of a body (`{"product_id": ...}`) fed from the caller's own or public
        objects, so a create that references a parent names one that exists."""
        props = operation.body_fields
        links: dict[str, str] = {}
        usable = [r for r in self.resources if r.alive and r.owner in (identity.name, "anonymous")]
        usable.sort(key=lambda r: r.owner != identity.name)
        for name in props:
            if not is_id_key(name) or name.lower() in SENSITIVE | IDENTITY_FIELDS:
                continue
            for resource in usable:
                if resource.origin.path == operation.path and resource.owner != "anonymous":
                    continue
                value = value_for(name, resource, False, "")
                if value is not None:
                    links[name] = value
                    break
        return links

    def query_for(
        self, operation: Operation, identity: Identity, canary: str | None = None
    ) -> dict[str, str]:
        """Required query parameters, plus the canary in optional free-text ones of writes."""
        canary = canary or self.canaries.new(identity.name)
        own = self.own_values(identity)
        params: dict[str, str] = {}
        for param in operation.query_params:
            if param.name in own:
                params[param.name] = own[param.name]
                continue
            optional_text = operation.method in _WRITES and is_plain_text(param.name, param.schema)
            if param.required or optional_text:
                value = generate(param.schema, BodyContext(self.document, canary, {}), param.name)
                params[param.name] = str(value).lower() if isinstance(value, bool) else str(value)
        return params

    def call(
        self,
        identity: Identity,
        operation: Operation,
        values: dict[str, str] | None = None,
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
        leak_kind: str | None = None,
        scan: bool = True,
        canary: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Exchange:
        """Send one request and judge what any response reveals, whatever route produced it."""
        merged = {**self.query_for(operation, identity, canary), **(params or {})}
        path = operation.render(values or {})
        exchange = self.transport.request(
            identity,
            operation.method,
            path,
            params=merged or None,
            body=body,
            media=operation.body_media,
            extra_headers=headers,
        )
        if operation.method != "GET":
            self.sent_writes.append((operation.key, exchange))
            if self.after_write is not None and not identity.anonymous:
                self.after_write(identity, operation, exchange)
        elif exchange.ok and not identity.anonymous:
            _collect_enums(exchange.data, self.enum_values)
            if privileged(identity):
                self.privileged_roles |= _own_roles(exchange.data) - ORDINARY_ROLES
        if scan:

            def replay() -> Exchange:
                return self.transport.request(
                    self.anonymous,
                    operation.method,
                    path,
                    params=merged or None,
                    body=body,
                    media=operation.body_media,
                )

            judge.scan(self, identity, operation, exchange, leak_kind, replay)
        return exchange

    def privilege_words(self) -> frozenset[str]:
        """Role values that mean privilege here: the `--role` values given to privileged
        identities, and the roles their own answers show (`manager`, `editor`)."""
        given = {role for identity in self.named for role in identity.roles}
        return frozenset((given | self.privileged_roles) - ORDINARY_ROLES)

    def may_see_others(self, reader: Identity, operation: Operation, owner: str) -> bool:
        """Public routes, explicit role grants within the same tenant, and (without a policy rule)
        an identity marked privileged by `--role` within its own tenant may reach others' data."""
        if operation.key in self.public:
            return True
        access = self.policy.access(operation)
        if access.level == PUBLIC:
            return True
        if access.level == SHARED:
            return not reader.anonymous  # a feed every member may read, by the policy's word
        if self.cross_tenant(reader.name, owner):
            return False
        if access.level == "roles" and access.role_allows(reader):
            return True
        if access.source != "policy" and privileged(reader) and owner != "anonymous":
            roles = ", ".join(sorted(reader.roles))
            self.privileged.setdefault(
                operation.key,
                f"{reader.name} ({roles}) may reach other identities' objects in its own tenant",
            )
            return True
        return False

    def earn(self, operation: Operation, check: str, exchange: Exchange) -> None:
        """A cell is tested only by an attack that reached the live object: a 5xx answer (or a
        missing object) says nothing about authorization."""
        if exchange.status >= 500:
            self.coverage.skip(operation, check, f"every attack answered {exchange.status}")
        else:
            self.coverage.tested(operation, check)

    def cross_tenant(self, first: str, second: str) -> bool:
        one, two = self.identity(first).tenant, self.identity(second).tenant
        return one is not None and two is not None and one != two

    def report(
        self,
        kind: str,
        operation: Operation,
        attacker: str,
        victim: str | None,
        message: str,
        evidence: list[Exchange],
        *,
        proof: str = STATE,
    ) -> None:
        """Add a finding unless the same (kind, operation, attacker, victim) is already known;
        a state-proven one replaces a status-only one."""
        finding = Finding(
            kind=kind,
            operation=operation.key,
            attacker=attacker,
            victim=victim,
            message=message,
            evidence=evidence[:_EVIDENCE_LIMIT],
            cross_tenant=victim is not None and self.cross_tenant(attacker, victim),
            proof=proof,
        )
        known = self.findings.get(finding.dedupe_key)
        if known is None or (known.proof != STATE and proof == STATE):
            self.findings[finding.dedupe_key] = finding

    def has_finding(self, kind: str, attacker: str, victim: str | None) -> bool:
        return any(
            key[0] == kind and key[2] == attacker and key[3] == victim for key in self.findings
        )

    def targets(
        self, operation: Operation, *, public: bool = False
    ) -> list[tuple[Resource, dict[str, str]]]:
        """One live resource per (owner, origin) that fills the operation's path parameters;
        `public` adds catalogue objects nobody owns (reads only)."""
        chosen: dict[tuple[str, str], tuple[Resource, dict[str, str]]] = {}
        for resource in self.resources:
            if not resource.alive or (resource.owner == "anonymous" and not public):
                continue
            values = (
                fill(operation, resource)
                or self._with_user(operation, resource)
                or with_sibling(self.resources, operation, resource)
            )
            if values is not None:
                chosen.setdefault((resource.owner, resource.origin.key), (resource, values))
        return list(chosen.values())

    def _with_user(self, operation: Operation, resource: Resource) -> dict[str, str] | None:
        """`/items/{item_id}/grants/{user_id}`: the object from the resource, the user from the
        owner's own identity (the route then names two things the owner holds)."""
        if resource.owner == "anonymous":
            return None
        owner = self.identity(resource.owner)
        people = {
            name: value
            for name in operation.path_params
            if stem(name) in ("user", "member", "account", "person")
            and (value := owner.first("user")) is not None
        }
        if not people:
            return None
        rest = [name for name in operation.path_params if name not in people]
        values = fill_names(rest, operation.collection, resource) if rest else {}
        return None if values is None else {**values, **people}

    def reader_for(self, operation: Operation) -> Operation | None:
        """The GET that reads the same object, to re-read as the owner after a foreign write."""
        same = [op for op in self.operations if op.method == "GET" and op.path == operation.path]
        if same:
            return same[0]
        params = set(operation.path_params)
        near = [
            op
            for op in self.operations
            if op.method == "GET"
            and set(op.path_params) == params
            and op.path.rsplit("/", 1)[-1] == operation.path.rsplit("/", 1)[-1]
            and self.policy.access(op).owner_allowed
        ]
        return near[0] if near else None

    def witness_for(self, operation: Operation) -> list[Operation]:
        """With no item GET, the reads that may show the object: the parent item of a relation
        route (`/profiles/{name}` for `/profiles/{name}/follow`); for an update of a nested
        object its parent's sub-collection (`GET /accounts/{id}/cards` for
        `PUT /accounts/{id}/cards/{card_id}`); the owner's list or parent read; the nested
        object's parent item (`GET /accounts/{id}`), then any sub-collection of the same name
        (`/posts/{post_id}/comments`)."""
        found: list[Operation] = []
        gets = [op for op in self.operations if op.method == "GET"]
        head = operation.path.rstrip("/").rsplit("/", 1)[0]
        if is_relation_route(operation):
            found += [op for op in gets if op.path == head]
        nested = (
            operation.method in _WRITES
            and operation.path.rstrip("/").endswith("}")
            and len(operation.path_params) > 1
        )
        if nested and not is_relation_route(operation):
            found += [op for op in gets if op.path.rstrip("/") == head]
        for candidate in (operation.prefix, operation.prefix.rsplit("/", 1)[0]):
            found += [op for op in gets if op.path.rstrip("/") == candidate and candidate]
        parent = head.rsplit("/", 1)[0]
        if nested and parent.endswith("}"):
            found += [op for op in gets if op.path.rstrip("/") == parent]
        found += [
            op for op in gets if not op.path.endswith("}") and op.collection == operation.collection
        ]
        return _unique(found)
