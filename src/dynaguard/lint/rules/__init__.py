"""The rule set: one module per rule, each exposing `RULE` (metadata) and `check(facts)`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from dynaguard.lint.core.model import Finding, RuleInfo
from dynaguard.lint.models.facts import Facts
from dynaguard.lint.rules import (
    dg100_bare_suppression,
    dg101_key_from_request,
    dg102_unconditional_write,
    dg103_check_then_write,
    dg104_scan_in_handler,
    dg105_unauthenticated_route,
    dg106_mass_assignment,
    dg107_client_cursor,
    dg108_composite_key,
    dg109_existence_oracle,
    dg110_control_plane,
    dg111_principal_bypass,
)


@dataclass(frozen=True)
class Rule:
    """A rule's metadata and its predicate over the facts."""

    info: RuleInfo
    check: Callable[[Facts], Iterator[Finding]]


_MODULES = (
    dg101_key_from_request,
    dg102_unconditional_write,
    dg103_check_then_write,
    dg104_scan_in_handler,
    dg105_unauthenticated_route,
    dg106_mass_assignment,
    dg107_client_cursor,
    dg108_composite_key,
    dg109_existence_oracle,
    dg110_control_plane,
    dg111_principal_bypass,
)

RULES: dict[str, Rule] = {m.RULE.id: Rule(m.RULE, m.check) for m in _MODULES}
BARE_SUPPRESSION = dg100_bare_suppression.RULE
ALL_IDS: frozenset[str] = frozenset([*RULES, BARE_SUPPRESSION.id])
