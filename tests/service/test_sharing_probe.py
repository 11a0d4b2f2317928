"""`dynaguard probe` on sharing: the reference service with its shared routes stays clean (see
tests/probe/test_probe_services.py), and the same service with the grant dropped from the
editor's write condition is caught. The flawed app differs from the real one in that one
condition only, so the probe is shown to see exactly the flaw the condition prevents."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dynaguard.auth import DevIssuer
from dynaguard.config import Settings
from dynaguard.probe.engine.identities import build_identities
from dynaguard.probe.engine.policy import load_policy
from dynaguard.probe.runner import ProbeOptions, run_probe
from dynaguard.service import create_app
from dynaguard.store import shared as shared_module
from dynaguard.store._engine import Condition
from dynaguard.store.codec import Wire
from dynaguard.store.keys import Owner
from tests.probe._server import serve

POLICY = Path(__file__).parents[2] / "examples" / "probe_policy.yaml"
PEOPLE = {"alice": ("org1", ()), "bob": ("org1", ()), "carol": ("org1", ("admin",)),
          "dave": ("org2", ())}  # fmt: skip


def _without_grant(caller: Owner, owner_id: str, expected_version: int | None) -> Condition:
    """The flaw: org and owner re-stated, the caller's editor grant forgotten."""
    values: Wire = {":owner": {"S": owner_id}, ":org": {"S": caller.org_id}}
    return Condition("attribute_exists(pk) AND owner_id = :owner AND org_id = :org", values)


@pytest.fixture
def probe_findings(settings: Settings, ddb: Any) -> Iterator[Any]:
    def run(app: Any) -> set[tuple[str, str, str, str]]:
        issuer = DevIssuer.load_or_create(settings)
        tokens = [f"{n}={issuer.issue(n, org, roles)}" for n, (org, roles) in PEOPLE.items()]
        identities = build_identities(
            tokens, [], ["carol=admin"], [f"{n}={org}" for n, (org, _) in PEOPLE.items()]
        )
        with serve(app) as url:
            options = ProbeOptions(
                url, identities, policy=load_policy(POLICY), destructive=True, rps=0
            )
            result = run_probe(options)
        return {(f.kind, f.operation, f.attacker, f.victim) for f in result.findings}

    yield run


def test_probe_finds_a_shared_write_without_the_grant(
    probe_findings: Any, settings: Settings, ddb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shared_module, "editable_by", _without_grant)
    found = probe_findings(create_app(settings, ddb))
    shared_writes = {f for f in found if f[1] == "PATCH /shared/items/{owner_id}/{item_id}"}
    assert ("bola-write", "PATCH /shared/items/{owner_id}/{item_id}", "bob", "alice") in found
    assert {f[0] for f in found} == {"bola-write"}
    assert shared_writes == found, "only the flawed route is reported"


def test_probe_finds_nothing_when_the_grant_is_in_the_condition(
    probe_findings: Any, settings: Settings, ddb: Any
) -> None:
    assert probe_findings(create_app(settings, ddb)) == set()
