"""How a framework hands objects to functions, told to the core as data: the core follows a
dependency marker to the class it injects, and a container's providers to the classes they
build, without knowing which framework spells them how (`models.injection` says it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Injection:
    """Names of the calls and subscripts through which objects are injected."""

    markers: frozenset[str] = frozenset()
    """Calls whose first argument is what gets injected (`Depends(get_repo)`)."""
    providers: frozenset[str] = frozenset()
    """A container's provider calls whose first argument is the class built
    (`providers.Factory(ItemService)`)."""
    lookups: frozenset[str] = frozenset()
    """Subscripts naming a container's provider (`Provide[Container.items]`)."""

    def is_marker(self, name: str) -> bool:
        """Whether a call of this (last dotted) name marks a dependency."""
        return name in self.markers


NONE = Injection()
"""No framework: nothing is injected, only constructions, annotations and returns are followed."""
