"""Which issuer is trusted (issue 13, defect 10, auth part): `uses_dev_issuer` agrees with what
`build_verifier` accepts, and `describe_trust` says it in one line for the start-up log."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from dynaguard.auth import DevIssuer, build_verifier, describe_trust, uses_dev_issuer
from dynaguard.config import Mode, Settings

from .conftest import JwksServer, bearer, public_jwk, tiny_app


def test_local_mode_without_oidc_trusts_the_dev_issuer(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    assert uses_dev_issuer(settings) is True
    line = describe_trust(settings)
    assert line.startswith("trusting tokens from the dev issuer 'dynaguard-dev'")
    assert "'dynaguard'" in line and "dev-signing-key.pem" in line
    assert "\n" not in line
    token = DevIssuer.load_or_create(settings).issue("alice", "acme")
    client = TestClient(tiny_app(build_verifier(settings)))
    assert client.get("/me", headers=bearer(token)).status_code == 200


def test_an_oidc_issuer_is_never_the_dev_issuer(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        oidc_issuer="https://sso.acme.example/realms/acme",
        oidc_audience="orders-api",
    )
    assert uses_dev_issuer(settings) is False
    assert describe_trust(settings) == (
        "trusting tokens from the OIDC issuer 'https://sso.acme.example/realms/acme' "
        "(audience 'orders-api', keys from 'discovery')"
    )


def test_with_an_oidc_issuer_dev_tokens_are_refused(
    tmp_path: Path, jwks_server: JwksServer, rsa_key: rsa.RSAPrivateKey
) -> None:
    jwks_server.keys = [public_jwk(rsa_key, "k1")]
    settings = Settings(
        data_dir=tmp_path / "data",
        oidc_issuer=jwks_server.url,
        oidc_audience="orders-api",
        oidc_jwks_url=jwks_server.url + "/jwks",
    )
    assert uses_dev_issuer(settings) is False
    dev_token = DevIssuer.load_or_create(settings).issue("alice", "acme")
    client = TestClient(tiny_app(build_verifier(settings)))
    assert client.get("/me", headers=bearer(dev_token)).status_code == 401


def test_cognito_settings_name_client_and_token_use() -> None:
    settings = Settings(
        mode=Mode.AWS,
        oidc_issuer="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123",
        oidc_client_id="app-client-1",
        oidc_jwks_url="https://keys.example/jwks.json",
    )
    assert uses_dev_issuer(settings) is False
    assert describe_trust(settings) == (
        "trusting tokens from the OIDC issuer "
        "'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123' (client id "
        "'app-client-1', token use 'access', keys from 'https://keys.example/jwks.json')"
    )


def test_aws_mode_never_trusts_the_dev_issuer() -> None:
    settings = Settings(mode=Mode.AWS)
    assert uses_dev_issuer(settings) is False
    assert describe_trust(settings) == "trusting no issuer: set DYNAGUARD_OIDC_ISSUER"


@pytest.mark.parametrize("field", ["oidc_issuer", "oidc_audience"])
def test_the_description_stays_one_line(field: str) -> None:
    values = {"oidc_issuer": "https://issuer.example", "oidc_audience": "api"}
    values[field] += "\nforged log line"
    line = describe_trust(Settings(**values))
    assert "\n" not in line and "\\nforged log line" in line
