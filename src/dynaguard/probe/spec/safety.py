"""Routes the probe must not call on its own: resets and seeders (one `GET /reset` wiped a
target mid-run), session enders, and credential changers that would lock an identity out."""

from __future__ import annotations

import re

from dynaguard.probe.spec.operations import Operation

_RESET = re.compile(
    r"^(reset|seed|seeds|seeder|init|initdb|init-db|init_db|initialize|populate|db|database|"
    r"fixtures?|flush|purge|wipe|truncate|drop|clear|nuke|factory-reset|createdb|create-db|"
    r"create_db|migrate|setup-db|reset-db|reset_db|resetdb|demo-data|sample-data)$"
)
_SESSION = re.compile(r"^(logout|log-out|signout|sign-out|revoke|invalidate|logout-all)$")
_CREDENTIAL = re.compile(r"(password|passwd|credential|api-?key|secret|2fa|mfa|totp)", re.I)
_LOGIN = re.compile(r"^(login|log-in|signin|sign-in|token|tokens|oauth|authenticate|refresh)$")


def unsafe_reason(operation: Operation) -> str | None:
    """Why the probe will not call this route unless the policy's `allow` list names it."""
    segments = [part.lower() for part in operation.static_segments]
    if any(_RESET.match(part) for part in segments):
        return "looks like a reset/seed route (allow it in the policy to test it)"
    if any(_SESSION.match(part) for part in segments):
        return "would end a session (allow it in the policy to test it)"
    if operation.method != "GET" and any(_CREDENTIAL.search(part) for part in segments):
        return "changes credentials (allow it in the policy to test it)"
    return None


def is_login(operation: Operation) -> bool:
    """Token-issuing routes: called with canary credentials they only add 401 noise."""
    return any(_LOGIN.match(part.lower()) for part in operation.static_segments)
