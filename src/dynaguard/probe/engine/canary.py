"""Canaries: unique markers planted in every free-text field, so a leak is proven by content."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

CANARY = re.compile(r"dgc[0-9a-f]{9}")


@dataclass
class Canaries:
    """Issues canaries and remembers whose each is; `owners_in` finds them in any response."""

    owners: dict[str, str] = field(default_factory=dict)

    def new(self, owner: str) -> str:
        value = "dgc" + secrets.token_hex(5)[:9]
        self.owners[value] = owner
        return value

    def owners_in(self, text: str) -> dict[str, set[str]]:
        """Map owner name → canaries of theirs that appear in `text`."""
        found: dict[str, set[str]] = {}
        for match in set(CANARY.findall(text)):
            owner = self.owners.get(match)
            if owner is not None:
                found.setdefault(owner, set()).add(match)
        return found
