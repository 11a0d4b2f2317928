"""The three services under comparison and the app factory each one is built with, so the server
process and the in-process request counter construct exactly the same apps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from fastapi import FastAPI

from dynaguard.config import Settings
from dynaguard.service import create_app
from examples.seed_remediation_app import create_seed_remediation_app
from examples.vulnerable_app import create_vulnerable_app

AppFactory = Callable[[Settings, Any], FastAPI]

SECURE: Final = "secure"
VULNERABLE: Final = "vulnerable"
REMEDIATION: Final = "remediation"
VARIANTS: Final = (SECURE, VULNERABLE, REMEDIATION)
"""Run order inside one repeat; repeats alternate A B C A B C so drift hits every variant."""

FACTORIES: Final[dict[str, AppFactory]] = {
    SECURE: create_app,
    VULNERABLE: create_vulnerable_app,
    REMEDIATION: create_seed_remediation_app,
}

SERVE_APPS: Final[dict[str, str]] = {
    SECURE: "dynaguard.service:create_app",
    VULNERABLE: "examples.vulnerable_app:create_vulnerable_app",
    REMEDIATION: "examples.seed_remediation_app:create_seed_remediation_app",
}
"""The same factories as `dynaguard serve --app` names them: every variant is served by the
command users run, so the server stack (h11 with dynaguard's bounds, settings, client) is one."""

SECURE_TABLE: Final = "bench-secure"
SEED_TABLE: Final = "bench-seed"
"""The seed's two apps share one storage layout (items at `ITEM#<id>`), so they share a table."""


def table_for(variant: str) -> str:
    return SECURE_TABLE if variant == SECURE else SEED_TABLE
