"""Verification cost per request: dynaguard's verifier (dev issuer, ES256, cached PyJWK, claim
checks) against a bare `jwt.decode` with a fixed pre-parsed key, measured in the same process.

Run: .venv/bin/python bench/auth_verify.py [iterations]"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from dynaguard.auth import DevIssuer, build_verifier
from dynaguard.config import Settings


def _per_call(run: Callable[[], object], iterations: int) -> float:
    start = time.perf_counter()
    for _ in range(iterations):
        run()
    return (time.perf_counter() - start) / iterations * 1e6


def _compare(
    baseline: Callable[[], object], candidate: Callable[[], object], iterations: int, rounds: int
) -> tuple[float, float]:
    """Best microseconds per call of each, rounds interleaved so machine noise hits both alike."""
    best_baseline = best_candidate = float("inf")
    for _ in range(rounds):
        best_baseline = min(best_baseline, _per_call(baseline, iterations))
        best_candidate = min(best_candidate, _per_call(candidate, iterations))
    return best_baseline, best_candidate


def main() -> None:
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(data_dir=Path(directory))
        issuer = DevIssuer.load_or_create(settings)
        token = issuer.issue("alice", "acme", roles=["admin"])
        verifier = build_verifier(settings)
        private = serialization.load_pem_private_key(
            DevIssuer.key_path(settings).read_bytes(), password=None
        )
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    public_key = private.public_key()

    def baseline() -> object:
        return jwt.decode(
            token,
            public_key,
            algorithms=["ES256"],
            audience=settings.dev_audience,
            issuer=settings.dev_issuer,
        )

    def ours() -> object:
        return verifier.verify(token)

    baseline(), ours()
    plain, guarded = _compare(baseline, ours, iterations, rounds=7)
    print(f"iterations per round   {iterations} (best of 7, interleaved)")
    print(f"jwt.decode, fixed key  {plain:8.1f} us/call")
    print(f"dynaguard verifier     {guarded:8.1f} us/call")
    print(f"ratio                  {guarded / plain:8.2f}x")


if __name__ == "__main__":
    main()
