"""Every way a bearer token can be wrong gets a 401 with the RFC 6750 challenge, through HTTP."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient
from httpx import Response

from .conftest import DevKit, b64json, b64url, bearer, dev_claims, make_devkit, tiny_app

INVALID = 'Bearer error="invalid_token"'
ROLES_WRONG_TYPE = "roles claim must be a list of strings or a space-separated string"


def assert_invalid(response: Response, detail: str) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"] == INVALID
    assert response.json() == {"detail": detail}


def test_good_token_yields_the_principal(devkit: DevKit) -> None:
    token = devkit.issuer.issue("alice", "acme", roles=["viewer"])
    response = devkit.client.get("/me", headers=bearer(token))
    assert response.status_code == 200
    assert response.json() == {"sub": "alice", "org_id": "acme", "roles": ["viewer"]}


def test_missing_header_is_401_without_error_code(devkit: DevKit) -> None:
    response = devkit.client.get("/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json() == {"detail": "authentication required"}


def test_non_bearer_scheme_is_401(devkit: DevKit) -> None:
    token = devkit.issuer.issue("alice", "acme")
    for header in (f"Basic {token}", f"Token {token}", "Bearer", "Bearer  "):
        response = devkit.client.get("/me", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_not_a_jwt(devkit: DevKit) -> None:
    for garbage in ("abc", "a.b.c", "a.b", "....", "eyJ.eyJ.x"):
        assert_invalid(devkit.client.get("/me", headers=bearer(garbage)), "malformed token")


def test_alg_none_is_refused(devkit: DevKit) -> None:
    token = jwt.encode(dev_claims(devkit.settings), None, algorithm="none")  # type: ignore[arg-type]
    assert_invalid(devkit.client.get("/me", headers=bearer(token)), "algorithm not allowed")
    unsigned = f"{b64json({'alg': 'none', 'kid': devkit.issuer.kid})}."
    unsigned += f"{b64json(dev_claims(devkit.settings))}."
    assert_invalid(devkit.client.get("/me", headers=bearer(unsigned)), "algorithm not allowed")


def test_hs256_signed_with_the_public_key_is_refused(devkit: DevKit) -> None:
    """Algorithm confusion: the attacker uses the published key as an HMAC secret."""
    public_pem = devkit.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = (
        f"{b64json({'alg': 'HS256', 'typ': 'JWT', 'kid': devkit.issuer.kid})}."
        f"{b64json(dev_claims(devkit.settings, roles=['admin']))}"
    )
    for secret in (public_pem, devkit.issuer.jwks()["keys"][0]["x"].encode()):
        signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        token = f"{signing_input}.{b64url(signature)}"
        assert_invalid(devkit.client.get("/admin", headers=bearer(token)), "algorithm not allowed")


def test_tampered_signature(devkit: DevKit) -> None:
    token = devkit.issuer.issue("alice", "acme")
    head, payload, signature = token.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    response = devkit.client.get("/me", headers=bearer(f"{head}.{payload}.{flipped}"))
    assert_invalid(response, "bad signature")


def test_tampered_payload(devkit: DevKit) -> None:
    head, _, signature = devkit.issuer.issue("alice", "acme").split(".")
    escalated = b64json(dev_claims(devkit.settings, roles=["admin"]))
    response = devkit.client.get("/admin", headers=bearer(f"{head}.{escalated}.{signature}"))
    assert_invalid(response, "bad signature")


def test_token_signed_by_another_key_with_the_same_kid(devkit: DevKit) -> None:
    attacker = ec.generate_private_key(ec.SECP256R1())
    token = jwt.encode(
        dev_claims(devkit.settings), attacker, "ES256", headers={"kid": devkit.issuer.kid}
    )
    assert_invalid(devkit.client.get("/me", headers=bearer(token)), "bad signature")


def test_expired_beyond_leeway(devkit: DevKit) -> None:
    now = int(time.time())
    expired = devkit.sign(dev_claims(devkit.settings, exp=now - 120, iat=now - 900))
    assert_invalid(devkit.client.get("/me", headers=bearer(expired)), "token expired")
    within_leeway = devkit.sign(dev_claims(devkit.settings, exp=now - 5, iat=now - 900))
    assert devkit.client.get("/me", headers=bearer(within_leeway)).status_code == 200


def test_missing_exp_is_refused(devkit: DevKit) -> None:
    token = devkit.sign(dev_claims(devkit.settings, exp=None))
    assert_invalid(devkit.client.get("/me", headers=bearer(token)), "token lacks the exp claim")


def test_not_yet_valid(devkit: DevKit) -> None:
    token = devkit.sign(dev_claims(devkit.settings, nbf=int(time.time()) + 600))
    assert_invalid(devkit.client.get("/me", headers=bearer(token)), "token not yet valid")


def test_wrong_issuer(devkit: DevKit) -> None:
    token = devkit.sign(dev_claims(devkit.settings, iss="someone-else"))
    assert_invalid(devkit.client.get("/me", headers=bearer(token)), "wrong issuer")


def test_wrong_audience(devkit: DevKit) -> None:
    for audience in ("other-service", ["other-service"]):
        token = devkit.sign(dev_claims(devkit.settings, aud=audience))
        assert_invalid(devkit.client.get("/me", headers=bearer(token)), "wrong audience")
    missing = devkit.sign(dev_claims(devkit.settings, aud=None))
    assert_invalid(devkit.client.get("/me", headers=bearer(missing)), "token lacks the aud claim")


def test_unknown_kid(devkit: DevKit) -> None:
    token = devkit.sign(dev_claims(devkit.settings), kid="forged-kid")
    assert_invalid(devkit.client.get("/me", headers=bearer(token)), "unknown signing key")


@pytest.mark.parametrize(
    ("overrides", "detail"),
    [
        ({"sub": None}, "token has no subject"),
        ({"sub": ""}, "token has no subject"),
        ({"org_id": None}, "token has no organization"),
        ({"sub": "alice#USER#bob"}, "subject contains characters that are not allowed"),
        ({"sub": "alice\n"}, "subject contains characters that are not allowed"),
        ({"sub": "al\x00ice"}, "subject contains characters that are not allowed"),
        ({"sub": "ålice"}, "subject contains characters that are not allowed"),
        ({"sub": "a" * 129}, "subject contains characters that are not allowed"),
        ({"sub": 42}, "subject must be a string"),
        ({"org_id": "acme#ORG#evil"}, "organization contains characters that are not allowed"),
        ({"org_id": "acme corp"}, "organization contains characters that are not allowed"),
        ({"org_id": ["acme"]}, "organization contains characters that are not allowed"),
        ({"roles": {"admin": True}}, ROLES_WRONG_TYPE),
        ({"roles": ["admin", 1]}, ROLES_WRONG_TYPE),
    ],
)
def test_unusable_identity_claims(devkit: DevKit, overrides: dict[str, Any], detail: str) -> None:
    token = devkit.sign(dev_claims(devkit.settings, **overrides))
    assert_invalid(devkit.client.get("/me", headers=bearer(token)), detail)


def test_longest_allowed_segments_pass(devkit: DevKit) -> None:
    token = devkit.sign(dev_claims(devkit.settings, sub="a" * 128, org_id="auth0|x_y-z.1@2:3+4"))
    assert devkit.client.get("/me", headers=bearer(token)).status_code == 200


def test_oversized_token(devkit: DevKit) -> None:
    token = devkit.sign(dev_claims(devkit.settings, padding="x" * 9000))
    assert_invalid(devkit.client.get("/me", headers=bearer(token)), "token too large")


def test_admin_route_roles_and_403(devkit: DevKit) -> None:
    admin = devkit.issuer.issue("root", "acme", roles=["admin", "viewer"])
    response = devkit.client.get("/admin", headers=bearer(admin))
    assert response.status_code == 200
    assert response.json() == {"admin_of": "acme"}
    member = devkit.issuer.issue("bob", "acme", roles=["viewer"])
    response = devkit.client.get("/admin", headers=bearer(member))
    assert response.status_code == 403
    assert response.json() == {"detail": "admin role required"}
    assert devkit.client.get("/admin").status_code == 401


def test_space_separated_roles(devkit: DevKit) -> None:
    token = devkit.sign(dev_claims(devkit.settings, roles="viewer admin"))
    assert devkit.client.get("/me", headers=bearer(token)).json()["roles"] == ["admin", "viewer"]
    assert devkit.client.get("/admin", headers=bearer(token)).status_code == 200


def test_configurable_claim_names(tmp_path: Path) -> None:
    kit = make_devkit(tmp_path, claim_org="custom:org_id", claim_roles="cognito:groups")
    token = kit.issuer.issue("alice", "acme", roles=["admin"])
    assert jwt.decode(token, options={"verify_signature": False})["custom:org_id"] == "acme"
    assert kit.client.get("/admin", headers=bearer(token)).json() == {"admin_of": "acme"}
    plain = kit.sign(dev_claims(kit.settings, org_id="acme", roles=["admin"]))
    assert_invalid(kit.client.get("/me", headers=bearer(plain)), "token has no organization")


def test_nested_roles_claim(tmp_path: Path) -> None:
    """Keycloak keeps realm roles at `realm_access.roles`."""
    kit = make_devkit(tmp_path, claim_roles="realm_access.roles", claim_sub="oid")
    claims = dev_claims(kit.settings, sub="pairwise", oid="u-1", realm_access={"roles": ["admin"]})
    response = kit.client.get("/admin", headers=bearer(kit.sign(claims)))
    assert response.status_code == 200
    assert kit.client.get("/me", headers=bearer(kit.sign(claims))).json()["sub"] == "u-1"


def test_denials_are_audited_without_secrets(
    devkit: DevKit, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="dynaguard.audit")
    token = devkit.sign(dev_claims(devkit.settings, iss="evil"))
    devkit.client.get("/me", headers=bearer(token))
    devkit.client.get("/admin", headers=bearer(devkit.issuer.issue("bob", "acme")))
    lines = [record.getMessage() for record in caplog.records if record.name == "dynaguard.audit"]
    assert '"principal":null' in lines[0] and '"outcome":401' in lines[0]
    assert '"reason":"wrong issuer"' in lines[0]
    assert '"principal":"acme/bob"' in lines[1] and '"outcome":403' in lines[1]
    assert all(token not in line for line in lines)


def test_openapi_declares_bearer_scheme(devkit: DevKit) -> None:
    document = devkit.client.get("/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= next(iter(schemes.values())).items()
    assert document["paths"]["/me"]["get"]["security"]


def test_app_without_verifier_fails_closed() -> None:
    app = tiny_app(None)  # type: ignore[arg-type]
    client = TestClient(app, raise_server_exceptions=False)
    assert client.get("/me", headers=bearer("x.y.z")).status_code == 500
