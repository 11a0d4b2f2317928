"""What the data-flow pass observed; rules are predicates over these facts, nothing more."""

from __future__ import annotations

from dataclasses import dataclass, field

from dynaguard.lint.model import Location


@dataclass
class ReadFact:
    """A DynamoDB read. `checked` turns true when an ownership `if` on its result follows."""

    where: Location
    route: str
    operation: str
    key_from_request: bool
    key_origins: frozenset[str]
    checked: bool = False


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


@dataclass(frozen=True)
class ScanFact:
    """A Scan reachable from a request; `filter_has_principal` means ownership lives in a filter."""

    where: Location
    route: str
    filter_has_principal: bool


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
class RouteFact:
    """A route handler: whether any authentication applies and whether it reaches DynamoDB."""

    where: Location
    route: str
    authenticated: bool
    reaches_dynamodb: bool


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
