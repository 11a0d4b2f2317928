"""Acknowledged writes survive a SIGKILL of the embedded engine (DynamoDB Local on disk).

DynamoDB Local persists a single-item write before it answers, but not always a
`TransactWriteItems`: killed right after an acknowledged transaction, it can come back without it.
So every security-relevant write of the store is a single-item write. Each round performs revokes,
grants and Idempotency-Key creates (the kind that answered last rotates), kills the engine with
SIGKILL the moment the last one is acknowledged, restarts it on the same files and checks every
acknowledged write: a revoked grantee is refused, a granted one reads, a created item exists and
a retry with its key returns it (no second item).

`DYNAGUARD_CRASH_ROUNDS` sets the number of rounds (default 12); the figures are printed."""

from __future__ import annotations

import functools
import os
import signal
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from dynaguard.auth import VerifiedPrincipal
from dynaguard.auth.testing import principal
from dynaguard.config import Settings
from dynaguard.local import DynamoDBLocal, install_dynamodb_local
from dynaguard.service.models import ITEMS, ItemFields
from dynaguard.store import CursorSealer, NotFound, Store
from dynaguard.store.connection import dynamodb_client
from dynaguard.store.table import create_table
from tests.conftest import CACHE_DIR

pytestmark = pytest.mark.slow

ROUNDS = int(os.environ.get("DYNAGUARD_CRASH_ROUNDS", "12"))
PER_KIND = 3
"""Acknowledged writes of each kind per round."""
TABLE = "crash"
ALICE = principal("alice", "acme")


def _grantee(index: int) -> VerifiedPrincipal:
    return principal(f"bob{index}", "acme")


@dataclass
class Engine:
    """DynamoDB Local on disk, restartable on the same port and files."""

    install: Any
    db_path: Path
    port: int | None = None
    process: DynamoDBLocal | None = None
    client: Any = None

    def start(self) -> Store:
        self.process = DynamoDBLocal(self.install, port=self.port, db_path=self.db_path)
        self.process.start()
        self.port = self.process.port
        # a generous deadline: a JVM that has just started answers its first requests slowly
        settings = Settings(dynamodb_endpoint=self.process.endpoint, dynamodb_deadline_seconds=30)
        self.client = dynamodb_client(settings)
        return Store(self.client, TABLE, CursorSealer(b"c" * 32, ttl_seconds=60))

    def kill(self) -> None:
        assert self.process is not None and self.process.pid is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.stop()  # reaps the killed process


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = Engine(install_dynamodb_local(CACHE_DIR), tmp_path / "db")
    yield engine
    if engine.process is not None:
        engine.process.stop()


@dataclass
class Acknowledged:
    """What the store answered before the kill, and what the restarted engine lost of it."""

    revoked: list[tuple[str, int]] = field(default_factory=list)
    granted: list[tuple[str, int]] = field(default_factory=list)
    created: list[tuple[str, str]] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.revoked) + len(self.granted) + len(self.created)


def _readable(store: Store, grantee: int, item_id: str) -> bool:
    try:
        store.shared(_grantee(grantee), ITEMS).get("alice", item_id)
    except NotFound:
        return False
    return True


def _check(store: Store, acked: Acknowledged) -> None:
    owned = store.owned(ALICE, ITEMS)
    for item_id, grantee in acked.revoked:
        if _readable(store, grantee, item_id):
            acked.lost.append(f"revoke of bob{grantee} on {item_id}")
    for item_id, grantee in acked.granted:
        if not _readable(store, grantee, item_id):
            acked.lost.append(f"grant to bob{grantee} on {item_id}")
    for key, item_id in acked.created:
        try:
            owned.get(item_id, consistent=True)
        except NotFound:
            acked.lost.append(f"create {item_id}")
        again = owned.create(ItemFields(name=key), idempotency_key=key)
        if again.item_id != item_id:
            acked.lost.append(f"retry of {key} made a second item")


def _revoke(
    store: Store, items: list[str], grantee: int, acked: Acknowledged, lost: list[str]
) -> None:
    grants = store.grants(ALICE, ITEMS)
    for item_id in items:
        try:
            grants.revoke(item_id, f"bob{grantee}")
        except NotFound:  # the grant it revokes was lost in a crash
            if f"grant to bob{grantee} on {item_id}" not in lost:
                acked.lost.append(f"grant to bob{grantee} on {item_id} (missing at its revoke)")
            continue
        acked.revoked.append((item_id, grantee))


def _grant(store: Store, items: list[str], grantee: int, acked: Acknowledged) -> None:
    grants = store.grants(ALICE, ITEMS)
    for item_id in items:
        grants.put(item_id, f"bob{grantee}", "viewer")
        acked.granted.append((item_id, grantee))


def _create(store: Store, acked: Acknowledged) -> None:
    owned = store.owned(ALICE, ITEMS)
    for _ in range(PER_KIND):
        key = uuid.uuid4().hex
        acked.created.append((key, owned.create(ItemFields(name=key), idempotency_key=key).item_id))


def test_acknowledged_grants_revokes_and_creates_survive_an_engine_sigkill(
    engine: Engine,
) -> None:
    store = engine.start()
    create_table(engine.client, TABLE)
    owned = store.owned(ALICE, ITEMS)
    granted = [owned.create(ItemFields(name=f"g{n}")).item_id for n in range(PER_KIND)]
    ungranted = [owned.create(ItemFields(name=f"u{n}")).item_id for n in range(PER_KIND)]
    acked = Acknowledged()
    _grant(store, granted, 0, Acknowledged())  # revoked in the first round, which checks that
    grantee = 0
    totals = Acknowledged()
    for round_ in range(ROUNDS):
        steps: list[Callable[[], None]] = [
            functools.partial(_grant, store, ungranted, grantee + 1, acked),
            functools.partial(_create, store, acked),
            functools.partial(_revoke, store, granted, grantee, acked, totals.lost),
        ]
        for step in steps[round_ % 3 :] + steps[: round_ % 3]:  # each kind answers last in turn
            step()
        engine.kill()
        store = engine.start()
        _check(store, acked)
        totals.revoked += acked.revoked
        totals.granted += acked.granted
        totals.created += acked.created
        totals.lost += acked.lost
        acked = Acknowledged()
        granted, ungranted, grantee = ungranted, granted, grantee + 1
    print(
        f"\nengine SIGKILL: {ROUNDS} rounds, {totals.total} acknowledged "
        f"({len(totals.revoked)} revokes, {len(totals.granted)} grants, "
        f"{len(totals.created)} idempotent creates), {len(totals.lost)} lost: {totals.lost}"
    )
    assert totals.lost == []
