"""Foundation: table bootstrap, health endpoints, CLI errors, and `serve`'s engine lifecycle (the
engine on its own: tests/local)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from dynaguard.config import Settings
from dynaguard.errors import DynaguardError
from dynaguard.local.process import DynamoDBLocal, free_loopback_port
from dynaguard.service import create_app
from dynaguard.store.connection import dynamodb_client
from dynaguard.store.table import create_table, describe_table

from .conftest import CACHE_DIR

DYNAGUARD = [sys.executable, "-m", "dynaguard"]


def test_table_create_is_idempotent(ddb: Any, table_name: str) -> None:
    description, created = create_table(ddb, table_name)
    assert created is False
    assert description["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert {a["AttributeName"] for a in description["AttributeDefinitions"]} == {
        "pk",
        "sk",
        "gsi1pk",
        "gsi1sk",
        "gsi2pk",
        "gsi2sk",
    }
    assert {index["IndexName"] for index in description["GlobalSecondaryIndexes"]} == {
        "gsi1",
        "gsi2",
    }


def test_table_with_foreign_key_schema_is_refused(ddb: Any) -> None:
    ddb.create_table(
        TableName="users-foreign",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "user_id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "user_id", "KeyType": "HASH"}],
    )
    try:
        with pytest.raises(DynaguardError, match="key schema"):
            create_table(ddb, "users-foreign")
    finally:
        ddb.delete_table(TableName="users-foreign")


def test_health_and_readiness(settings: Settings) -> None:
    client = TestClient(create_app(settings, dynamodb_client(settings)))
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready"}  # the table name is not for anonymous callers


def test_readiness_reports_missing_table(settings: Settings, ddb: Any) -> None:
    missing = settings.model_copy(update={"table": "no-such-table"})
    client = TestClient(create_app(missing, ddb))
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable"}  # the reason is logged, not returned


def test_readiness_reports_unreachable_engine(settings: Settings) -> None:
    dead = settings.model_copy(
        update={"dynamodb_endpoint": f"http://127.0.0.1:{free_loopback_port()}"}
    )
    client = TestClient(create_app(dead, dynamodb_client(dead)))
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*DYNAGUARD, *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["serve", "--no-such-flag"], "No such option"),
        (["serve", "--mode", "mars"], "mars"),
        (["table", "describe", "--dynamodb-endpoint", "ftp://x"], "http:// or https://"),
        (["serve", "--app", "no_such_module:create"], "cannot load app factory"),
    ],
)
def test_cli_usage_errors_are_one_line(args: list[str], needle: str) -> None:
    done = _run(*args)
    assert done.returncode != 0
    assert needle in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_on_a_busy_port_is_one_line(dynamodb_local: DynamoDBLocal) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _run("serve", "--dynamodb-endpoint", dynamodb_local.endpoint, "--port", str(port))
    assert done.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in done.stderr
    assert "Traceback" not in done.stderr


def test_unreachable_endpoint_is_one_line() -> None:
    port = free_loopback_port()
    done = _run("table", "create", "--dynamodb-endpoint", f"http://127.0.0.1:{port}")
    assert done.returncode == 1
    assert "cannot reach DynamoDB" in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_java_is_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}
    env["DYNAGUARD_CACHE_DIR"] = str(CACHE_DIR)
    env["DYNAGUARD_DATA_DIR"] = str(tmp_path)
    done = _run("table", "create", env=env)
    assert done.returncode == 1
    assert "Java 17+ is required" in done.stderr
    assert "Traceback" not in done.stderr


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat")
    return not (state.exists() and state.read_text().split()[2] == "Z")


def _wait_gone(pid: int, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return False


class _Served:
    """`dynaguard serve` as a child process, with the pid and endpoint of its DynamoDB Local."""

    def __init__(self, data_dir: Path) -> None:
        self.port = free_loopback_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DYNAGUARD_DATA_DIR": str(data_dir),
            "DYNAGUARD_CACHE_DIR": str(CACHE_DIR),
            "DYNAGUARD_LOG_LEVEL": "warning",
        }
        self.process = subprocess.Popen(
            [*DYNAGUARD, "serve", "--port", str(self.port)],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        assert self.process.stderr is not None
        self.jvm_pid = 0
        self.endpoint = ""
        for line in self.process.stderr:
            found = re.search(r"pid (\d+)\) on (http://\S+)", line)
            if found:
                self.jvm_pid, self.endpoint = int(found.group(1)), found.group(2)
                break
        assert self.jvm_pid, "serve did not report its DynamoDB Local"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise AssertionError("serve did not become ready")


def test_serve_persists_data_and_leaves_no_jvm(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = _Served(data_dir)
    settings = Settings(dynamodb_endpoint=first.endpoint)
    client = dynamodb_client(settings)
    key = {"pk": {"S": "PERSIST"}, "sk": {"S": "CHECK"}}
    client.put_item(TableName=settings.table, Item=key)
    first.process.send_signal(signal.SIGTERM)
    assert first.process.wait(timeout=30) == 0
    assert _wait_gone(first.jvm_pid), "SIGTERM left DynamoDB Local running"

    second = _Served(data_dir)
    assert describe_table(dynamodb_client(Settings(dynamodb_endpoint=second.endpoint)), "dynaguard")
    again = dynamodb_client(Settings(dynamodb_endpoint=second.endpoint))
    assert again.get_item(TableName=settings.table, Key=key).get("Item") == key
    second.process.send_signal(signal.SIGINT)
    second.process.wait(timeout=30)
    assert _wait_gone(second.jvm_pid), "Ctrl-C left DynamoDB Local running"

    third = _Served(data_dir)
    third.process.kill()
    third.process.wait(timeout=30)
    assert _wait_gone(third.jvm_pid), "SIGKILL of the parent left an orphan DynamoDB Local"
