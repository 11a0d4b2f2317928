"""The one failure type verification raises; its reason is safe to show a caller and to log."""

from __future__ import annotations


class AuthenticationError(Exception):
    """A token was not accepted. `reason` is a short fixed phrase: never token or key material."""

    status_code = 401

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class KeySetUnavailable(AuthenticationError):
    """No signing keys could be obtained from the issuer yet: the caller may retry later (503)."""

    status_code = 503
