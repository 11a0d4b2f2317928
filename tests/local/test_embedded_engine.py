"""The embedded DynamoDB Local on its own: installing twice is a no-op, a busy port and an engine
that dies at start are one clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from dynaguard.errors import DynaguardError
from dynaguard.local.install import DynamoDBLocalInstall, install_dynamodb_local
from dynaguard.local.process import DynamoDBLocal
from tests.conftest import CACHE_DIR


def test_install_is_idempotent() -> None:
    first = install_dynamodb_local(CACHE_DIR)
    second = install_dynamodb_local(CACHE_DIR)
    assert first == second
    assert second.jar.is_file()


def test_busy_port_is_a_clear_error() -> None:
    install = install_dynamodb_local(CACHE_DIR)
    with DynamoDBLocal(install) as engine:
        clash = DynamoDBLocal(install, port=engine.port)
        with pytest.raises(DynaguardError, match="already in use"):
            clash.start()


def test_an_engine_that_dies_at_start_says_why(tmp_path: Path) -> None:
    (tmp_path / "DynamoDBLocal.jar").write_text("not a jar")
    with pytest.raises(DynaguardError, match=r"exited at start: .*corrupt jarfile"):
        DynamoDBLocal(DynamoDBLocalInstall(tmp_path)).start()
