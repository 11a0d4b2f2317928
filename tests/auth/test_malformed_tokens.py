"""Hostile token shapes (issue 13, defect 1): every one is a 401 with the RFC 6750 challenge,
never a 500, whatever the nesting, numbers, types or bytes inside the segments."""

from __future__ import annotations

import json
import logging

import jwt
import pytest

from .conftest import DevKit, b64json, b64url, bearer, dev_claims
from .test_tokens_http import assert_invalid


def signed_payload(devkit: DevKit, payload: bytes) -> str:
    """A token whose payload bytes are exactly `payload`, correctly signed by the dev key."""
    return jwt.api_jws.encode(
        payload, devkit.private_key, algorithm="ES256", headers={"kid": devkit.issuer.kid}
    )


def signed_claims_text(devkit: DevKit, text: str) -> str:
    """Signed claims whose JSON text is given verbatim (numbers `json.dumps` cannot write)."""
    return signed_payload(devkit, text.encode())


def test_deeply_nested_header_is_401_not_500(
    devkit: DevKit, caplog: pytest.LogCaptureFixture
) -> None:
    """The reported token: 8 KiB, a 3,000-deep array as the JOSE header."""
    caplog.set_level(logging.DEBUG)
    token = f"{b64url(b'[' * 3000 + b']' * 3000)}.e30.c2ln"
    assert len(token) <= 8 * 1024
    response = devkit.client.get("/me", headers=bearer(token))
    assert_invalid(response, "malformed token")
    assert not any(record.exc_info for record in caplog.records), "no traceback is logged"


@pytest.mark.parametrize(
    "header",
    [
        b"[" * 1500 + b"]" * 1500,
        b'{"alg":"ES256","kid":' + b"[" * 1500 + b"]" * 1500 + b"}",
        b'{"alg":"ES256","x":' + b'{"":' * 1100 + b"1" + b"}" * 1100 + b"}",
    ],
    ids=["array", "nested-in-kid", "objects"],
)
def test_deep_headers_are_401(devkit: DevKit, header: bytes) -> None:
    response = devkit.client.get("/me", headers=bearer(f"{b64url(header)}.e30.c2ln"))
    assert_invalid(response, "malformed token")


@pytest.mark.parametrize(
    "payload",
    [
        b"[" * 1500 + b"]" * 1500,
        b'{"sub":"alice","x":' + b"[" * 1500 + b"]" * 1500 + b"}",
    ],
    ids=["array", "nested-claim"],
)
def test_deep_payloads_are_401_signed_or_not(devkit: DevKit, payload: bytes) -> None:
    signed = signed_payload(devkit, payload)
    assert_invalid(devkit.client.get("/me", headers=bearer(signed)), "malformed token")
    head, _, signature = signed.split(".")
    unsigned = f"{head}.{b64url(payload)}.{signature[::-1]}"
    assert devkit.client.get("/me", headers=bearer(unsigned)).status_code == 401


@pytest.mark.parametrize(
    "header",
    [
        b"[1]",
        b'"ES256"',
        b"null",
        b"42",
        b"\xff\xfe{}",
        b'{"alg":"ES256","kid":' + b"9" * 5000 + b"}",
        b'{"alg":"ES256","kid":1e400}',
        b'{"alg":"ES256","kid":NaN}',
        b'{"alg":["ES256"]}',
        b'{"alg":"ES256","kid":{"k":1}}',
        b'{"alg":"ES256"',
        b"",
    ],
    ids=[
        "list",
        "string",
        "null",
        "number",
        "not-utf8",
        "huge-int-kid",
        "overflowing-float-kid",
        "nan-kid",
        "alg-list",
        "kid-object",
        "truncated",
        "empty",
    ],
)
def test_odd_headers_are_401(devkit: DevKit, header: bytes) -> None:
    response = devkit.client.get("/me", headers=bearer(f"{b64url(header)}.e30.c2ln"))
    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


@pytest.mark.parametrize(
    "payload",
    [b"[1]", b'"claims"', b"null", b"\xff\xfe", b'{"sub":"alice"', b"", b"9" * 5000],
    ids=["list", "string", "null", "not-utf8", "truncated", "empty", "huge-int"],
)
def test_signed_non_object_payloads_are_401(devkit: DevKit, payload: bytes) -> None:
    response = devkit.client.get("/me", headers=bearer(signed_payload(devkit, payload)))
    assert_invalid(response, "malformed token")


@pytest.mark.parametrize("claim", ["exp", "nbf", "iat"])
@pytest.mark.parametrize("number", ["1e400", "-1e400", "NaN", "Infinity", "9" * 5000])
def test_signed_time_claims_that_are_not_times_are_401(
    devkit: DevKit, claim: str, number: str
) -> None:
    claims = dev_claims(devkit.settings)
    claims[claim] = "PLACEHOLDER"
    text = json.dumps(claims).replace('"PLACEHOLDER"', number)
    response = devkit.client.get("/me", headers=bearer(signed_claims_text(devkit, text)))
    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


@pytest.mark.parametrize(
    "token",
    [
        "e30.e30.c2ln.c2ln",
        "e30.e30",
        "e30..c2ln",
        ".e30.c2ln",
        "a.e30.c2ln",
        "e30.a.c2ln",
        "e30.e30.a",
        "e30.e30.c2ln=",
        "e30.e30.c2l+",
    ],
)
def test_bad_base64_and_segment_counts_are_401(devkit: DevKit, token: str) -> None:
    response = devkit.client.get("/me", headers=bearer(token))
    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_non_ascii_bytes_in_the_authorization_header_are_401(devkit: DevKit) -> None:
    for raw in (b"Bearer \xff\xfe.e30.c2ln", b"Bearer e30.\xc3\xa9.c2ln", b"Bearer \x80"):
        response = devkit.client.get("/me", headers={"Authorization": raw})
        assert response.status_code == 401, raw
        assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_header_claims_of_the_wrong_type_are_401(devkit: DevKit) -> None:
    header = {"alg": "ES256", "kid": devkit.issuer.kid, "crit": 5}
    token = f"{b64json(header)}.{b64json(dev_claims(devkit.settings))}.c2ln"
    assert devkit.client.get("/me", headers=bearer(token)).status_code == 401
