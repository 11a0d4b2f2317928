"""`dynaguard serve` refuses what it must and supervises its engine: the AWS region chain and no
table creation by `serve`, the dev issuer refused beyond loopback, one-line `--app` errors, the
supervised engine, the data directory lock and the engine's heap cap. Each runs the real `dynaguard`
command as a child process against a real DynamoDB Local."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from dynaguard.auth import DevIssuer
from dynaguard.config import Mode, Settings
from dynaguard.errors import DynaguardError
from dynaguard.local.process import DynamoDBLocal, free_loopback_port
from dynaguard.startup import is_loopback, open_table
from dynaguard.store.connection import aws_session
from dynaguard.store.table import describe_table
from tests.serve_support import DYNAGUARD, child_env, serve


def _run(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*DYNAGUARD, *args], capture_output=True, text=True, env=env, timeout=timeout, check=False
    )


def _one_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    return lines[0]


# -- defect 5: the region chain, and serve never creates a table in aws mode -----------------


def _without_aws(tmp_path: Path) -> dict[str, str]:
    """An environment with no AWS region anywhere: no variables, an empty profile file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DYNAGUARD_"))}
    (tmp_path / "aws-config").write_text("")
    env["AWS_CONFIG_FILE"] = str(tmp_path / "aws-config")
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp_path / "aws-config")
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    return env


@pytest.fixture
def no_aws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = _without_aws(tmp_path)
    for name in list(os.environ):
        if name.startswith(("AWS_", "DYNAGUARD_")):
            monkeypatch.delenv(name)
    for name in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_EC2_METADATA_DISABLED"):
        monkeypatch.setenv(name, env[name])
    return env


def test_aws_mode_without_a_region_is_one_line(no_aws: dict[str, str]) -> None:
    done = _run("table", "describe", "--mode", "aws", env=no_aws)
    assert done.returncode == 1
    assert "aws mode needs a region" in _one_line(done)


@pytest.mark.parametrize(
    ("env", "profile", "expected"),
    [
        ({"AWS_REGION": "eu-west-3"}, "", "eu-west-3"),
        ({"AWS_DEFAULT_REGION": "ap-south-1"}, "", "ap-south-1"),
        ({}, "[default]\nregion = sa-east-1\n", "sa-east-1"),
        ({"DYNAGUARD_REGION": "ca-central-1", "AWS_REGION": "eu-west-3"}, "", "ca-central-1"),
    ],
)
def test_aws_region_follows_the_standard_chain(
    no_aws: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    profile: str,
    expected: str,
) -> None:
    (tmp_path / "aws-config").write_text(profile)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert aws_session(Settings(mode=Mode.AWS)).region_name == expected


def _aws_mode_on_local_engine(endpoint: str, table: str, **extra: str) -> dict[str, str]:
    """aws mode (real credential chain, OIDC, no dev issuer) pointed at DynamoDB Local."""
    return child_env(
        DYNAGUARD_MODE="aws",
        DYNAGUARD_DYNAMODB_ENDPOINT=endpoint,
        DYNAGUARD_TABLE=table,
        DYNAGUARD_OIDC_ISSUER="https://issuer.example",
        DYNAGUARD_OIDC_AUDIENCE="dynaguard",
        DYNAGUARD_CURSOR_SECRET=secrets.token_urlsafe(48),
        AWS_ACCESS_KEY_ID="dynaguardlocal",
        AWS_SECRET_ACCESS_KEY="dynaguardlocal",
        AWS_REGION="us-east-1",
        **extra,
    )


def test_aws_mode_serve_never_creates_the_table(dynamodb_local: DynamoDBLocal, ddb: Any) -> None:
    missing = f"t-{uuid.uuid4().hex[:12]}"
    env = _aws_mode_on_local_engine(dynamodb_local.endpoint, missing)
    done = _run("serve", "--port", str(free_loopback_port()), env=env, timeout=60)
    assert done.returncode == 1
    assert f"table {missing} does not exist in us-east-1" in _one_line(done)
    assert describe_table(ddb, missing) is None


def test_open_table_describes_in_aws_mode_and_creates_only_locally(ddb: Any) -> None:
    name = f"t-{uuid.uuid4().hex[:12]}"
    with pytest.raises(DynaguardError, match="does not exist"):
        open_table(Settings(mode=Mode.AWS, table=name), ddb)
    assert describe_table(ddb, name) is None
    open_table(Settings(table=name), ddb)
    try:
        assert describe_table(ddb, name) is not None
    finally:
        ddb.delete_table(TableName=name)


# -- defect 10: the dev issuer beyond loopback ------------------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "my-host.example"])
def test_dev_issuer_on_a_reachable_address_is_refused(
    dynamodb_local: DynamoDBLocal, tmp_path: Path, host: str
) -> None:
    env = child_env(DYNAGUARD_DATA_DIR=str(tmp_path))
    args = ["--dynamodb-endpoint", dynamodb_local.endpoint, "--host", host]
    done = _run("serve", *args, "--port", str(free_loopback_port()), env=env, timeout=60)
    assert done.returncode == 1
    assert f"refusing to serve on {host} with the dev issuer" in _one_line(done)


def test_dev_issuer_beyond_loopback_when_allowed_says_so(
    dynamodb_local: DynamoDBLocal, tmp_path: Path, table_name: str
) -> None:
    port = free_loopback_port()
    command = [
        *DYNAGUARD,
        "serve",
        "--dynamodb-endpoint",
        dynamodb_local.endpoint,
        "--table",
        table_name,
        "--host",
        "0.0.0.0",
        "--port",
        str(port),
        "--allow-dev-issuer",
    ]
    from tests.serve_support import Child

    child = Child(command, child_env(DYNAGUARD_DATA_DIR=str(tmp_path)), port)
    try:
        child.wait_ready()
        child.wait_for_line(r"^trusting tokens from the dev issuer .dynaguard-dev. ")
    finally:
        child.stop()


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        *[("127.0.0.1", True), ("127.8.9.1", True), ("::1", True), ("localhost", True)],
        *[("0.0.0.0", False), ("::", False), ("10.0.0.1", False), ("example.org", False)],
    ],
)
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


# -- defect 11 (CLI part): --app -------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        ("json:dumps", "must accept (settings, client)"),
        ("json", "must be written module:function, got 'json'"),
        ("json:", "must be written module:function"),
        (":create_app", "must be written module:function"),
        ("json:no_such_thing", "json has no no_such_thing"),
        ("os:sep", "is not callable"),
    ],
)
def test_wrong_app_factory_is_one_line_exit_2(tmp_path: Path, spec: str, needle: str) -> None:
    env = child_env(DYNAGUARD_DATA_DIR=str(tmp_path))
    done = _run("serve", "--app", spec, env=env, timeout=60)
    assert done.returncode == 2
    assert needle in _one_line(done)


# -- defects 13, 14, 17: the embedded engine under `serve` -----------------------------------


def _token(data_dir: Path) -> dict[str, str]:
    issuer = DevIssuer.load_or_create(Settings(data_dir=data_dir))
    return {"Authorization": f"Bearer {issuer.issue('alice', 'acme')}"}


def _cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")


def _read_after_restart(url: str, auth: dict[str, str]) -> httpx.Response:
    """The first reads after a restart may meet a JVM still warming up (on a loaded machine, past
    the 2 s deadline): those answer 503 "retry shortly", the documented contract. Retry them for
    up to 60 s; anything else is returned at once."""
    deadline = time.monotonic() + 60
    while True:
        read = httpx.get(url, headers=auth, timeout=30)
        if read.status_code != 503 or time.monotonic() > deadline:
            return read
        time.sleep(0.5)


def test_engine_killed_under_serve_is_restarted_with_its_heap_cap(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    child = serve(data_dir, "--engine-heap", "300m")
    try:
        first = child.wait_for_line(r"DynamoDB Local \(pid (\d+)\) on (http://\S+)")
        child.wait_ready()
        jvm = int(first.group(1))
        assert "-Xmx300m" in _cmdline(jvm)
        auth = _token(data_dir)
        created = httpx.post(f"{child.base}/org/items", json={"name": "kept"}, headers=auth)
        assert created.status_code == 201
        item = f"{child.base}/org/items/{created.json()['item_id']}"

        seen = len(child.lines)
        os.kill(jvm, signal.SIGKILL)
        child.wait_for_line(rf"DynamoDB Local \(pid {jvm}\) exited .* restarting", after=seen)
        again = child.wait_for_line(r"DynamoDB Local restarted \(pid (\d+)\) on (\S+)", after=seen)
        assert again.group(2) == first.group(2), "restarted on another port"
        assert "-Xmx300m" in _cmdline(int(again.group(1)))
        read = _read_after_restart(item, auth)
        assert read.status_code == 200, read.text
        assert read.json()["name"] == "kept"
    finally:
        child.stop()
    assert child.process.returncode == 0


def test_second_serve_on_one_data_directory_is_refused(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = serve(data_dir)
    try:
        first.wait_ready()
        second = _run(
            "serve", "--data-dir", str(data_dir), "--port", str(free_loopback_port()),
            env=child_env(), timeout=60,
        )  # fmt: skip
        assert second.returncode == 1
        line = _one_line(second)
        assert f"data directory {data_dir} is in use by another dynaguard process" in line
        assert f"(pid {first.process.pid})" in line
        table = _run("table", "create", "--data-dir", str(data_dir), env=child_env(), timeout=60)
        assert table.returncode == 1
        assert "is in use by another dynaguard process" in _one_line(table)
    finally:
        first.stop()
    # the lock goes with its holder, even when the holder was killed: a new serve may start
    third = serve(data_dir)
    try:
        third.wait_ready()
        third.process.kill()
        third.process.wait(timeout=30)
        fourth = serve(data_dir)
        try:
            fourth.wait_ready()
        finally:
            fourth.stop()
    finally:
        third.stop()
