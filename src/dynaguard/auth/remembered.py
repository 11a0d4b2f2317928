"""Tokens this process has verified lately, so a client that sends the same bearer token on every
request (as clients do for the token's lifetime) pays for the signature check once, not on every
request. The key is the whole token, compared exactly: a token that differs in any byte (a
forgery, a tampered claim) is never found here and goes through the full check.

An entry is served until the token's `exp` (without the verifier's leeway) or for at most
`max_age_seconds` after it was verified, whichever comes first, so a signing key withdrawn from
the issuer's key set stops authorizing requests within that time. Only successful verifications
are remembered; the table is bounded (the oldest entry leaves first)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Final

from dynaguard.auth.principal import VerifiedPrincipal

DEFAULT_MAX_ENTRIES: Final = 4096
DEFAULT_MAX_AGE_SECONDS: Final = 60.0


class RememberedTokens:
    """token -> (principal, served until this wall-clock time)."""

    def __init__(
        self,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        max_age_seconds: float = DEFAULT_MAX_AGE_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if max_entries < 0 or max_age_seconds < 0:
            raise ValueError("max_entries and max_age_seconds must not be negative")
        self._max_entries = max_entries
        self._max_age = max_age_seconds
        self._clock = clock
        self._entries: OrderedDict[str, tuple[VerifiedPrincipal, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, token: str) -> VerifiedPrincipal | None:
        """The principal `token` was verified as, if that is still current; None otherwise."""
        entry = self._entries.get(token)
        if entry is None:
            return None
        principal, until = entry
        if self._clock() < until:
            return principal
        with self._lock:
            if self._entries.get(token) is entry:
                del self._entries[token]
        return None

    def put(self, token: str, principal: VerifiedPrincipal, expires_at: float) -> None:
        """Remember a token just verified; `expires_at` is its `exp` claim (seconds)."""
        if self._max_entries == 0:
            return
        until = min(expires_at, self._clock() + self._max_age)
        with self._lock:
            self._entries[token] = (principal, until)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
