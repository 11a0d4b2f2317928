"""The state one probe run shares between its phases, and the single place calls are judged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dynaguard.probe.bodies import (
    IDENTITY_FIELDS,
    SENSITIVE,
    BodyContext,
    generate,
    is_plain_text,
)
from dynaguard.probe.canary import Canaries
from dynaguard.probe.coverage import Coverage
from dynaguard.probe.document import Document
from dynaguard.probe.findings import Finding
from dynaguard.probe.graph import Resource, fill, fill_names, is_id_key, stem, value_for
from dynaguard.probe.identities import Identity
from dynaguard.probe.operations import Operation
from dynaguard.probe.policy import PUBLIC, SHARED, Policy
from dynaguard.probe.transport import Exchange, Transport

_EVIDENCE_LIMIT = 4
_WRITES = ("POST", "PUT", "PATCH")


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
        context = BodyContext(self.document, canary, own, full, links)
        return generate(operation.body_schema, context)

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
                value = generate(param.schema, BodyContext(self.document, canary, {}))
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

            self._scan(identity, operation, exchange, leak_kind, replay)
        return exchange

    def may_see_others(self, reader: Identity, operation: Operation, owner: str) -> bool:
        """Public routes, and explicit role grants within the same tenant, may show others' data."""
        if operation.key in self.public:
            return True
        access = self.policy.access(operation)
        if access.level == PUBLIC:
            return True
        if access.level == SHARED:
            return not reader.anonymous  # a feed every member may read, by the policy's word
        if access.level != "roles" or not access.role_allows(reader):
            return False
        return not self.cross_tenant(reader.name, owner)

    def cross_tenant(self, first: str, second: str) -> bool:
        one, two = self.identity(first).tenant, self.identity(second).tenant
        return one is not None and two is not None and one != two

    def is_public(
        self, operation: Operation, owners: set[str], replay: Callable[[], Exchange]
    ) -> bool:
        """Public by design: the document asks no security and the anonymous caller gets the same
        canaries. Remembered per operation and reported as info, not as a finding."""
        if operation.key in self.public:
            return True
        if not operation.declared_public or self.policy.access(operation).source == "policy":
            return False
        if operation.method != "GET":
            return False
        anonymous = replay()
        if anonymous.ok and owners <= set(self.canaries.owners_in(anonymous.full_text)):
            self.public[operation.key] = (
                "no security requirement, and an anonymous caller gets the same data"
            )
            return True
        return False

    def _scan(
        self,
        identity: Identity,
        operation: Operation,
        exchange: Exchange,
        kind: str | None,
        replay: Callable[[], Exchange],
    ) -> None:
        access = self.policy.access(operation)
        needs_auth = access.level != PUBLIC and (
            not operation.declared_public or access.source == "policy"
        )
        if identity.anonymous and exchange.ok and needs_auth and operation.key not in self.public:
            self.report(
                "unauthenticated",
                operation,
                identity.name,
                None,
                f"anonymous {operation.method} {exchange.path} answered {exchange.status}",
                [exchange],
            )
        found_by_owner = {
            owner: found
            for owner, found in self.canaries.owners_in(exchange.full_text).items()
            if owner not in (identity.name, "anonymous")
        }
        for owner, found in found_by_owner.items():
            if self.may_see_others(identity, operation, owner):
                continue
            if (
                identity.anonymous
                and operation.declared_public
                and self.is_public(operation, {owner}, lambda: exchange)
            ):
                continue
            if self.is_public(operation, set(found_by_owner), replay):
                return
            chosen = kind or ("bola-read" if operation.is_object_route else "data-leak")
            self.report(
                chosen,
                operation,
                identity.name,
                owner,
                f"{identity.name} received {owner}'s canary {sorted(found)[0]} from "
                f"{operation.method} {exchange.path} (status {exchange.status})",
                [exchange],
            )

    def report(
        self,
        kind: str,
        operation: Operation,
        attacker: str,
        victim: str | None,
        message: str,
        evidence: list[Exchange],
    ) -> None:
        """Add a finding unless the same (kind, operation, attacker, victim) is already known."""
        finding = Finding(
            kind=kind,
            operation=operation.key,
            attacker=attacker,
            victim=victim,
            message=message,
            evidence=evidence[:_EVIDENCE_LIMIT],
            cross_tenant=victim is not None and self.cross_tenant(attacker, victim),
        )
        self.findings.setdefault(finding.dedupe_key, finding)

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
            values = fill(operation, resource) or self._with_user(operation, resource)
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

    def witness_for(self, operation: Operation) -> Operation | None:
        """With no item GET, the owner's list or parent read that shows the object."""
        for candidate in (operation.prefix, operation.prefix.rsplit("/", 1)[0]):
            for op in self.operations:
                if op.method == "GET" and op.path.rstrip("/") == candidate and candidate:
                    return op
        return None
