"""The probe against the real services on DynamoDB Local: the seed's vulnerable app must show its
holes, and the secure reference service must come out clean."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dynaguard.auth import DevIssuer
from dynaguard.config import Settings
from dynaguard.probe.engine.identities import build_identities
from dynaguard.probe.engine.policy import Policy, load_policy
from dynaguard.probe.findings import ProbeResult
from dynaguard.probe.runner import ProbeOptions, run_probe
from dynaguard.service import create_app
from examples.vulnerable_app import create_vulnerable_app

POLICY = Path(__file__).parents[2] / "examples" / "probe_policy.yaml"
PEOPLE = {"alice": ("org1", ()), "bob": ("org1", ()), "carol": ("org1", ("admin",)),
          "dave": ("org2", ())}  # fmt: skip


def _probe(settings: Settings, url: str, policy: Policy) -> ProbeResult:
    issuer = DevIssuer.load_or_create(settings)
    tokens = [f"{name}={issuer.issue(name, org, roles)}" for name, (org, roles) in PEOPLE.items()]
    identities = build_identities(
        tokens,
        [],
        ["carol=admin"],
        [f"{name}={org}" for name, (org, _) in PEOPLE.items()],
    )
    options = ProbeOptions(url, identities, policy=policy, destructive=True, rps=0)
    result = run_probe(options)
    share = result.coverage_share
    print(f"\n{url}: {result.requests} requests, {result.seconds} s, coverage {share}")
    for finding in result.findings:
        print(f"  {finding.kind} {finding.operation} {finding.attacker} -> {finding.victim}")
    return result


def test_probe_finds_the_seed_holes(settings: Settings, ddb: Any, served: Any) -> None:
    url = served(create_vulnerable_app(settings, ddb))
    found = {
        (f.kind, f.operation, f.attacker, f.victim)
        for f in _probe(settings, url, Policy()).findings
    }
    assert ("bola-read", "GET /profiles/{user_id}", "bob", "alice") in found
    assert ("bola-write", "PATCH /org/items/{item_id}", "bob", "alice") in found
    assert ("bola-delete", "DELETE /org/items/{item_id}", "bob", "alice") in found
    assert ("bola-read", "GET /org/items/{item_id}", "dave", "alice") in found


def test_secure_service_comes_out_clean(settings: Settings, ddb: Any, served: Any) -> None:
    url = served(create_app(settings, ddb))
    result = _probe(settings, url, load_policy(POLICY))
    assert result.findings == []
    assert result.requests > 100
    assert result.coverage_share == 1.0 and result.exit_code == 0, result.untested
