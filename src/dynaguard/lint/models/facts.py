"""What the data-flow pass observed; rules are predicates over these facts, nothing more."""

from __future__ import annotations

from dataclasses import dataclass, field

from dynaguard.lint.core.model import Location
from dynaguard.lint.models.dynamodb.tables import Ownership, TableRef


class RouteLabel(str):
    """A route's label (`GET /items/{id}`) that also knows which route it is: two apps in one
    tree may both have `GET /items/{id}`, and facts must find their own route's properties."""

    number: int = -1

    def __new__(cls, label: str, index: int) -> RouteLabel:
        made = super().__new__(cls, label)
        made.number = index
        return made


@dataclass
class ReadFact:
    """A DynamoDB read. `checked` turns true when an ownership `if` on its result follows;
    `used` when the item leaves the route (returned, written): otherwise it was an existence
    check (a uniqueness test before a create), which discloses nothing."""

    where: Location
    route: str
    operation: str
    key_from_request: bool
    key_origins: frozenset[str]
    checked: bool = False
    used: bool = False
    table: TableRef | None = None


@dataclass(frozen=True)
class WriteFact:
    """A DynamoDB write and what guards it: the key's provenance and the condition's."""

    where: Location
    route: str
    operation: str
    key_from_request: bool
    condition_has_principal: bool
    creates_only: bool
    checked_in_python: bool
    table: TableRef | None = None


@dataclass(frozen=True)
class ScanFact:
    """A Scan reachable from a request; `filter_has_principal` means ownership lives in a filter."""

    where: Location
    route: str
    filter_has_principal: bool
    table: TableRef | None = None


@dataclass(frozen=True)
class CursorFact:
    """An `ExclusiveStartKey` whose value the client chose."""

    where: Location
    route: str
    decoded: bool


@dataclass(frozen=True)
class CompositeKeyFact:
    """A `#`-delimited key assembled from request values nobody validated."""

    where: Location
    route: str
    origins: frozenset[str]


@dataclass(frozen=True)
class MassAssignFact:
    """An item written from the whole request body without pinning its ownership fields."""

    where: Location
    route: str
    model: str
    fields: frozenset[str] | None


@dataclass(frozen=True)
class OracleFact:
    """A place where a foreign object answers differently from a missing one."""

    where: Location
    route: str
    kind: str


@dataclass(frozen=True)
class ControlPlaneFact:
    """A table-level operation (create/delete/update table, backups) reachable from a route."""

    where: Location
    route: str
    operation: str
    bootstrap: bool = False
    """A `create_table` on a fixed name that runs only when the table is missing."""


@dataclass(frozen=True)
class BypassFact:
    """Route code that forges a principal or reaches a hazmat module (see `bypass`)."""

    where: Location
    route: str
    what: str


@dataclass(frozen=True)
class RouteFact:
    """A route handler and what applies to all of it.

    `public`: how it was declared public ("" if not); `auth_flow`: it signs users up or in, issues
    a token, resets a password or reports health; `admin`: an admin/role gate applies; `deployed`:
    some app includes its router; `writes`: it reaches a DynamoDB write.
    """

    where: Location
    route: str
    authenticated: bool
    reaches_dynamodb: bool
    public: str = ""
    auth_flow: str = ""
    admin: bool = False
    deployed: bool = True
    writes: bool = False
    ownerless: str = ""
    """Non-empty when every DynamoDB call of the route reads ownerless data or creates an
    ownerless record under a server-generated key: the tables' names."""


@dataclass
class Facts:
    """Everything observed in one run, across all files."""

    reads: list[ReadFact] = field(default_factory=list)
    writes: list[WriteFact] = field(default_factory=list)
    scans: list[ScanFact] = field(default_factory=list)
    cursors: list[CursorFact] = field(default_factory=list)
    composites: list[CompositeKeyFact] = field(default_factory=list)
    mass_assignments: list[MassAssignFact] = field(default_factory=list)
    oracles: list[OracleFact] = field(default_factory=list)
    routes: list[RouteFact] = field(default_factory=list)
    control_plane: list[ControlPlaneFact] = field(default_factory=list)
    bypasses: list[BypassFact] = field(default_factory=list)
    ownership: Ownership = field(default_factory=Ownership)
    ownerless_sites: dict[tuple[str, int], str] = field(default_factory=dict)
    """Reads and scans of ownerless tables, by (path, line): the table's name."""

    def route_fact(self, label: str | None) -> RouteFact | None:
        """The route fact for a route label (by identity when it is a `RouteLabel`)."""
        index = getattr(label, "number", -1)
        if 0 <= index < len(self.routes):
            return self.routes[index]
        if self._indexed != len(self.routes):
            self._by_label = {}
            for route in self.routes:
                self._by_label.setdefault(route.route, route)
            self._indexed = len(self.routes)
        return self._by_label.get(label or "")

    _by_label: dict[str, RouteFact] = field(default_factory=dict)
    _indexed: int = -1
