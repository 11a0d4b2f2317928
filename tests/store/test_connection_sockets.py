"""The store's own connection pool (the one its deadline bounds) sets TCP_NODELAY like botocore's:
without it every store call waited for the engine's delayed ACK, about 40 ms on Linux."""

from __future__ import annotations

import socket
from typing import Any

import pytest
import urllib3.connection

from dynaguard.config import Settings
from dynaguard.store import CursorSealer, Store
from dynaguard.store.connection import dynamodb_client


def _sockets_opened(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """TCP_NODELAY of every connection urllib3 opens from now on."""
    seen: list[int] = []
    connect = urllib3.connection.HTTPConnection.connect

    def recording(self: Any) -> None:
        connect(self)
        seen.append(self.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    monkeypatch.setattr(urllib3.connection.HTTPConnection, "connect", recording)
    return seen


def test_the_store_sends_on_sockets_without_nagle(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(dynamodb_client(settings), settings.table, CursorSealer(b"s" * 32, 60))
    seen = _sockets_opened(monkeypatch)
    store.ping()
    assert seen and all(seen), f"TCP_NODELAY per new connection: {seen}"


def test_the_check_sees_a_socket_with_nagle(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control: a pool without socket options opens a socket the check reports as Nagle's."""
    seen = _sockets_opened(monkeypatch)
    manager = urllib3.PoolManager(socket_options=[])
    manager.request("GET", f"{settings.dynamodb_endpoint}/", retries=False)
    assert seen == [0]
