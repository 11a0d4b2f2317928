"""A token the verifier accepted is remembered (the signature check is paid once per token, and
`Principal` answers it without a thread hop), but never beyond its `exp` or the maximum age, never
for a token that differs in any byte, and never after a failed check."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import pytest
from jwt import PyJWK

from dynaguard.auth import AuthenticationError, JwtVerifier
from dynaguard.auth.remembered import RememberedTokens
from tests.auth.conftest import DevKit, bearer, dev_claims


class CountingKeys:
    """The dev verifier's key source, counting how often a signature check asked for a key."""

    def __init__(self, keys: Any) -> None:
        self._keys = keys
        self.asked = 0

    def __call__(self, kid: str | None, alg: str) -> PyJWK:
        self.asked += 1
        result: PyJWK = self._keys(kid, alg)
        return result


def counted(devkit: DevKit, **fields: Any) -> tuple[JwtVerifier, CountingKeys]:
    base = devkit.issuer.verifier()
    keys = CountingKeys(base.keys)
    return dataclasses.replace(base, keys=keys, **fields), keys


def test_a_repeated_token_is_checked_once(devkit: DevKit) -> None:
    verifier, keys = counted(devkit)
    token = devkit.issuer.issue("alice", "acme")
    first = verifier.verify(token)
    assert verifier.verify(token) == first
    assert verifier.remembered_principal(token) == first
    assert keys.asked == 1


def test_a_token_differing_in_one_byte_is_checked_and_refused(devkit: DevKit) -> None:
    verifier, keys = counted(devkit)
    token = devkit.issuer.issue("alice", "acme")
    verifier.verify(token)
    head, payload, signature = token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    assert verifier.remembered_principal(f"{head}.{payload}.{flipped}") is None
    with pytest.raises(AuthenticationError):
        verifier.verify(f"{head}.{payload}.{flipped}")
    assert keys.asked == 2


def test_a_refused_token_is_never_remembered(devkit: DevKit) -> None:
    verifier, keys = counted(devkit)
    wrong_audience = devkit.sign(dev_claims(devkit.settings, aud="someone-else"))
    for _ in range(2):
        with pytest.raises(AuthenticationError):
            verifier.verify(wrong_audience)
    assert keys.asked == 2
    assert len(verifier.remembered) == 0


def test_an_expired_token_is_not_served_from_memory(devkit: DevKit) -> None:
    """Expiry is the token's own `exp`: past it, the full check runs (and refuses past leeway)."""
    clock = [time.time()]
    verifier, _ = counted(
        devkit, remembered=RememberedTokens(clock=lambda: clock[0]), leeway_seconds=0
    )
    claims = dev_claims(devkit.settings, exp=int(clock[0]) + 30)
    token = devkit.sign(claims)
    verifier.verify(token)
    clock[0] += 29
    assert verifier.remembered_principal(token) is not None
    clock[0] += 2
    assert verifier.remembered_principal(token) is None


def test_memory_has_a_maximum_age_and_size() -> None:
    clock = [1000.0]
    memory = RememberedTokens(max_entries=2, max_age_seconds=60, clock=lambda: clock[0])
    principal: Any = object()
    memory.put("a", principal, expires_at=5000)
    memory.put("b", principal, expires_at=5000)
    memory.put("c", principal, expires_at=5000)
    assert memory.get("a") is None, "the oldest entry leaves first"
    assert memory.get("b") is principal and memory.get("c") is principal
    assert len(memory) == 2
    clock[0] += 61
    assert memory.get("b") is None, "served at most max_age after the check"


def test_principal_dependency_serves_a_remembered_token(devkit: DevKit) -> None:
    """Over HTTP: the second request with the same token is answered from memory, and a forged
    token is still refused with 401."""
    token = devkit.issuer.issue("alice", "acme")
    assert devkit.client.get("/me", headers=bearer(token)).status_code == 200
    assert devkit.client.get("/me", headers=bearer(token)).json()["sub"] == "alice"
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert devkit.client.get("/me", headers=bearer(forged)).status_code == 401
