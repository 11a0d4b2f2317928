"""Auth test kit: a tiny app guarded by `Principal`/`AdminPrincipal`, token forging helpers, and
a real JWKS HTTP server on a free loopback port that counts what it is asked."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from dynaguard.auth import DevIssuer, TokenVerifier
from dynaguard.config import Settings
from dynaguard.fastapi import AdminPrincipal, Principal


def tiny_app(verifier: TokenVerifier) -> FastAPI:
    """An app of our own (no DynamoDB): one route per dependency alias."""
    app = FastAPI()
    app.state.token_verifier = verifier

    @app.get("/me")
    def me(principal: Principal) -> dict[str, Any]:
        return {"sub": principal.sub, "org_id": principal.org_id, "roles": sorted(principal.roles)}

    @app.get("/admin")
    def admin(principal: AdminPrincipal) -> dict[str, Any]:
        return {"admin_of": principal.org_id}

    return app


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def wait_until(condition: Callable[[], bool], seconds: float) -> bool:
    """Poll `condition` until it holds or `seconds` pass (for work done in background threads)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64json(value: object) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def dev_claims(settings: Settings, **overrides: Any) -> dict[str, Any]:
    """Claims the dev verifier accepts; an override of None removes the claim."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": settings.dev_issuer,
        "aud": settings.dev_audience,
        "sub": "alice",
        "org_id": "acme",
        "roles": [],
        "iat": now,
        "exp": now + 600,
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


@dataclass
class DevKit:
    """The dev issuer of a test, plus its private key so tests can sign arbitrary claims."""

    settings: Settings
    issuer: DevIssuer
    private_key: ec.EllipticCurvePrivateKey
    client: TestClient

    def sign(self, claims: dict[str, Any], **headers: Any) -> str:
        return jwt.encode(
            claims, self.private_key, algorithm="ES256", headers={"kid": self.issuer.kid, **headers}
        )


def make_devkit(tmp_path: Path, **settings_fields: Any) -> DevKit:
    settings = Settings(data_dir=tmp_path / "data", **settings_fields)
    issuer = DevIssuer.load_or_create(settings)
    key = serialization.load_pem_private_key(
        DevIssuer.key_path(settings).read_bytes(), password=None
    )
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return DevKit(settings, issuer, key, TestClient(tiny_app(issuer.verifier())))


@pytest.fixture
def devkit(tmp_path: Path) -> DevKit:
    return make_devkit(tmp_path)


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, kid: str) -> dict[str, Any]:
    if isinstance(key, rsa.RSAPrivateKey):
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    else:
        jwk = jwt.algorithms.ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**jwk, "kid": kid, "use": "sig"}


@dataclass
class JwksServer:
    """Serves `/.well-known/openid-configuration` and `/jwks`; `status` forces an error reply,
    `hang_seconds` makes every request wait that long first (an issuer that hangs)."""

    url: str = ""
    keys: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    hang_seconds: float = 0.0
    released: threading.Event = field(default_factory=threading.Event)
    discovery_issuer: str | None = None
    hits: Counter[str] = field(default_factory=Counter)
    server: ThreadingHTTPServer | None = None

    def stop(self) -> None:
        self.released.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@pytest.fixture
def jwks_server() -> Iterator[JwksServer]:
    state = JwksServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.hits[self.path] += 1
            if state.hang_seconds:
                state.released.wait(state.hang_seconds)
            if state.status != 200:
                body, status = b'{"error":"down"}', state.status
            elif self.path == "/.well-known/openid-configuration":
                issuer = state.discovery_issuer or state.url
                metadata = {"issuer": issuer, "jwks_uri": state.url + "/jwks"}
                body, status = json.dumps(metadata).encode(), 200
            elif self.path == "/jwks":
                body, status = json.dumps({"keys": state.keys}).encode(), 200
            else:
                body, status = b"{}", 404
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting on a hanging reply

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.server = server
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    yield state
    state.stop()
