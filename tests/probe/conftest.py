"""Shared probe-test helpers: the standard four identities and a labelled-app server fixture."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dynaguard.probe.engine.identities import Identity, build_identities

from ._server import serve, serve_wsgi

IDENTITY_ARGS = [
    "--identity", "alice=tok-alice", "--identity", "bob=tok-bob",
    "--identity", "carol=tok-carol", "--identity", "dave=tok-dave",
    "--role", "carol=admin", "--tenant", "alice=org1", "--tenant", "bob=org1",
    "--tenant", "carol=org1", "--tenant", "dave=org2",
]  # fmt: skip


def four_identities() -> list[Identity]:
    """alice and bob (members of org1), carol (admin of org1), dave (org2), plus anonymous."""
    return build_identities(
        [f"{name}=tok-{name}" for name in ("alice", "bob", "carol", "dave")],
        [],
        ["carol=admin"],
        ["alice=org1", "bob=org1", "carol=org1", "dave=org2"],
    )


@pytest.fixture
def served() -> Iterator[Any]:
    """Call `served(app)` to get a base URL; every server is stopped after the test."""
    stack: list[Any] = []

    def _serve(app: Any) -> str:
        context = serve_wsgi(app) if hasattr(app, "wsgi_app") else serve(app)
        stack.append(context)
        return context.__enter__()

    yield _serve
    for context in reversed(stack):
        context.__exit__(None, None, None)
