"""Abstract values of the data-flow pass: where a value came from, and what was done to it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Spread:
    """A dict built from the whole request body; `open_fields`: ownership fields still client-set.

    `open_fields is None` means the body's shape is unknown (a dict, `await request.json()`).
    """

    model: str
    open_fields: frozenset[str] | None
    pinned: frozenset[str] = frozenset()
    cls: tuple[str, str] | None = None
    """The model's (module, class) when resolved, so same-named models of two modules differ."""
    client_key: frozenset[str] = frozenset()
    """Request origins of the key-like fields (`id=`, `pk=`) an object was built with: the
    item's key is the client's, and its model's server-side key default does not apply."""


@dataclass(frozen=True)
class Taint:
    """`origins`: request parameters the value derives from; `principal`: derives from identity.

    `cls` is the (module, class) of the object when the tree defines its class, so method calls on
    it can be followed into the class body (repositories, services, DAOs, PynamoDB models).
    """

    origins: frozenset[str] = frozenset()
    principal: bool = False
    reads: frozenset[int] = frozenset()
    delim_safe: bool = False
    decoded: bool = False
    model: str | None = None
    spread: Spread | None = None
    request_object: bool = False
    cls: tuple[str, str] | None = None

    def join(self, other: Taint) -> Taint:
        """Union of provenance; a value is delimiter-safe only if every request part is."""
        if other is CLEAN:
            return self
        if self is CLEAN:
            return other
        return Taint(
            origins=self.origins | other.origins,
            principal=self.principal or other.principal,
            reads=self.reads | other.reads,
            delim_safe=_safe(self) and _safe(other),
            decoded=self.decoded or other.decoded,
            spread=self.spread or other.spread,
            cls=self.cls or other.cls,
        )

    def instance(self, cls: tuple[str, str] | None) -> Taint:
        """The same provenance, known to be an object of class `cls`."""
        return Taint(
            self.origins, self.principal, self.reads, self.delim_safe, self.decoded, cls=cls
        )

    def plain(self) -> Taint:
        """The same provenance without body/model bookkeeping (a field or derived value)."""
        return Taint(self.origins, self.principal, self.reads, self.delim_safe, self.decoded)


def _safe(value: Taint) -> bool:
    return value.delim_safe or not value.origins


CLEAN = Taint()


def join_all(values: list[Taint]) -> Taint:
    """Fold `join` over a list."""
    result = CLEAN
    for value in values:
        result = result.join(value)
    return result


def keep(before: Taint, after: Taint) -> Taint:
    """`after`, keeping what a join drops: the model name and the request-object mark."""
    if after is before or (after.model == before.model and not before.request_object):
        return after
    return Taint(
        after.origins,
        after.principal,
        after.reads,
        after.delim_safe,
        after.decoded,
        model=before.model,
        spread=after.spread,
        request_object=before.request_object,
        cls=after.cls,
    )
