"""Test infrastructure: one DynamoDB Local (in memory) per session; each test gets its own table."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dynaguard.config import Settings
from dynaguard.local import DynamoDBLocal, install_dynamodb_local
from dynaguard.store.connection import dynamodb_client
from dynaguard.store.table import create_table

REPO = Path(__file__).resolve().parent.parent
CACHE_DIR = Path(os.environ.get("DYNAGUARD_TEST_CACHE", REPO / ".dynaguard"))
TEST_DEADLINE_SECONDS = 10.0
"""The DynamoDB deadline of the shared fixtures. The service's default (2 s) is for a server,
not for a 2-core test box where the suite, the engine's JVM and its garbage collector share
the cores: a pause there is not the behaviour under test. Tests of the deadline itself set
their own (`dynamodb_deadline_seconds=...`) or start from `Settings()`'s default."""


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[DynamoDBLocal]:
    """The session's DynamoDB Local engine (installed into the repo's ignored cache folder)."""
    install = install_dynamodb_local(CACHE_DIR)
    with DynamoDBLocal(install) as engine:
        yield engine


@pytest.fixture(scope="session")
def ddb(dynamodb_local: DynamoDBLocal) -> Any:
    """A low-level client bound to the session engine."""
    settings = Settings(
        dynamodb_endpoint=dynamodb_local.endpoint, dynamodb_deadline_seconds=TEST_DEADLINE_SECONDS
    )
    return dynamodb_client(settings)


@pytest.fixture
def table_name(ddb: Any) -> Iterator[str]:
    """A fresh, empty dynaguard table for one test; dropped afterwards."""
    name = f"t-{uuid.uuid4().hex[:12]}"
    create_table(ddb, name)
    yield name
    ddb.delete_table(TableName=name)


@pytest.fixture
def settings(dynamodb_local: DynamoDBLocal, table_name: str, tmp_path: Path) -> Settings:
    """Settings for a test: the session engine, the test's table, a private data directory."""
    return Settings(
        dynamodb_endpoint=dynamodb_local.endpoint,
        table=table_name,
        data_dir=tmp_path / "data",
        dynamodb_deadline_seconds=TEST_DEADLINE_SECONDS,
    )
