"""The store's own connection pool (per-attempt timeouts, `deadline.py`) is built like botocore's:
`TCP_NODELAY` on every connection, keep-alive when the client's config asks for it. Without
`TCP_NODELAY` every store call waited ~40 ms for a delayed ACK (Nagle's algorithm)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import urllib3
import urllib3.util.connection
from botocore.config import Config

from dynaguard.config import Settings
from dynaguard.store import deadline
from dynaguard.store.connection import dynamodb_client


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[socket.socket]]:
    """Every socket urllib3 opens while the test runs (botocore's pools connect through it)."""
    sockets: list[socket.socket] = []
    create = urllib3.util.connection.create_connection

    def recording(*args: Any, **kwargs: Any) -> socket.socket:
        sock = create(*args, **kwargs)
        sockets.append(sock)
        return sock

    monkeypatch.setattr(urllib3.util.connection, "create_connection", recording)
    yield sockets


def _store_get(client: Any, table: str) -> None:
    with deadline.store_call():
        client.get_item(TableName=table, Key={"pk": {"S": "x"}, "sk": {"S": "y"}})


def _option(sock: socket.socket, level: int, name: int) -> int:
    return sock.getsockopt(level, name)


def test_store_connections_have_nodelay_and_keepalive(
    settings: Settings, opened: list[socket.socket]
) -> None:
    client = dynamodb_client(settings)  # a new client: a new pool, so the call must connect
    _store_get(client, settings.table)
    assert opened, "the store call opened no connection"
    for sock in opened:
        assert _option(sock, socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        assert _option(sock, socket.SOL_SOCKET, socket.SO_KEEPALIVE) != 0


def test_store_pool_follows_the_clients_own_config(
    settings: Settings, opened: list[socket.socket]
) -> None:
    """A client built elsewhere without keep-alive: the store's pool keeps TCP_NODELAY (botocore's
    default) and adds nothing the client did not ask for."""
    client = boto3.session.Session(
        aws_access_key_id="dynaguardlocal",
        aws_secret_access_key="dynaguardlocal",
        region_name="us-east-1",
    ).client(
        "dynamodb",
        endpoint_url=settings.dynamodb_endpoint,
        config=Config(tcp_keepalive=False, retries={"mode": "standard"}),
    )
    deadline.install(client, 2.0, bound_attempts=True)
    _store_get(client, settings.table)
    assert opened
    for sock in opened:
        assert _option(sock, socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        assert _option(sock, socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 0


def test_default_socket_options_match_botocore() -> None:
    assert deadline.default_socket_options(False) == [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
    assert (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1) in deadline.default_socket_options(True)


def test_the_check_sees_a_socket_with_nagle(
    settings: Settings, opened: list[socket.socket]
) -> None:
    """Control: a pool built without socket options opens a socket these checks report as
    Nagle's, so the assertions above can fail."""
    manager = urllib3.PoolManager(socket_options=[])
    manager.request("GET", f"{settings.dynamodb_endpoint}/", retries=False)
    assert opened
    assert all(_option(sock, socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0 for sock in opened)
