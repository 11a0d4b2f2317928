"""The dev issuer: a private key file created once and safely, a derived kid, and a CLI whose
tokens the served app accepts."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jwt
import pytest
from typer.testing import CliRunner

from dynaguard.auth import DevIssuer, build_verifier
from dynaguard.cli import app as cli_app
from dynaguard.config import Settings
from dynaguard.errors import DynaguardError


def test_key_is_created_once_with_owner_only_mode(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "fresh" / "data")
    first = DevIssuer.load_or_create(settings)
    path = DevIssuer.key_path(settings)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert DevIssuer.load_or_create(settings).kid == first.kid
    assert [entry.name for entry in path.parent.iterdir()] == [path.name]


def test_concurrent_first_use_agrees_on_one_key(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    with ThreadPoolExecutor(max_workers=8) as pool:
        kids = set(pool.map(lambda _: DevIssuer.load_or_create(settings).kid, range(16)))
    assert len(kids) == 1
    assert len(list(settings.data_dir.iterdir())) == 1


def test_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    DevIssuer.load_or_create(settings)
    DevIssuer.key_path(settings).chmod(0o644)
    with pytest.raises(DynaguardError, match="chmod 600"):
        DevIssuer.load_or_create(settings)


def test_corrupt_key_is_a_clear_error(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    settings.data_dir.mkdir()
    DevIssuer.key_path(settings).write_text("not a key")
    DevIssuer.key_path(settings).chmod(0o600)
    with pytest.raises(DynaguardError, match="delete it"):
        DevIssuer.load_or_create(settings)


def test_kid_is_the_rfc7638_thumbprint(tmp_path: Path) -> None:
    issuer = DevIssuer.load_or_create(Settings(data_dir=tmp_path))
    (jwk,) = issuer.jwks()["keys"]
    assert "d" not in jwk
    required = {name: jwk[name] for name in ("crv", "kty", "x", "y")}
    digest = hashlib.sha256(json.dumps(required, separators=(",", ":")).encode()).digest()
    assert jwk["kid"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    token = issuer.issue("alice", "acme")
    assert jwt.get_unverified_header(token) == {"alg": "ES256", "kid": jwk["kid"], "typ": "JWT"}


def test_issue_refuses_what_the_verifier_would_reject(tmp_path: Path) -> None:
    issuer = DevIssuer.load_or_create(Settings(data_dir=tmp_path))
    for sub, org in (("a#b", "acme"), ("alice", ""), ("alice", "x" * 129)):
        with pytest.raises(ValueError):
            issuer.issue(sub, org)
    with pytest.raises(ValueError):
        issuer.issue("alice", "acme", ttl_seconds=0)


def test_token_expires_after_ttl(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    claims = jwt.decode(
        DevIssuer.load_or_create(settings).issue("alice", "acme", ttl_seconds=90),
        options={"verify_signature": False},
    )
    assert claims["exp"] - claims["iat"] == 90
    assert claims["iss"] == settings.dev_issuer and claims["aud"] == settings.dev_audience


def test_cli_token_is_accepted_by_the_served_verifier(tmp_path: Path) -> None:
    runner = CliRunner()
    data = str(tmp_path / "data")
    args = ["token", "--sub", "alice", "--org", "acme", "--role", "admin", "--role", "viewer"]
    result = runner.invoke(cli_app, [*args, "--ttl", "60", "--data-dir", data])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    principal = build_verifier(Settings(data_dir=Path(data))).verify(token)
    assert (principal.sub, principal.org_id, principal.is_admin) == ("alice", "acme", True)

    jwks = runner.invoke(cli_app, ["token", "--jwks", "--data-dir", data])
    assert jwks.exit_code == 0
    assert json.loads(jwks.stdout)["keys"][0]["kid"] == jwt.get_unverified_header(token)["kid"]


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    data = str(tmp_path / "data")
    missing = runner.invoke(cli_app, ["token", "--sub", "alice", "--data-dir", data])
    assert missing.exit_code == 2  # a usage error, like every other (regression, issue 19)
    assert "--sub and --org are required" in missing.output
    probe = runner.invoke(cli_app, ["probe"])
    assert probe.exit_code == 2 and "--target" in probe.output
    bad = runner.invoke(cli_app, ["token", "--sub", "a#b", "--org", "acme", "--data-dir", data])
    assert bad.exit_code == 1
    assert "Traceback" not in bad.output and "allowed" in bad.output
