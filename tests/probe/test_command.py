"""`dynaguard probe` from the command line: exit codes, formats, redaction, budget, usage errors."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Header, HTTPException
from typer.testing import CliRunner

from dynaguard.cli import app as cli

from .apps import bola_read, bola_write
from .conftest import IDENTITY_ARGS

TOKENS = ("tok-alice", "tok-bob", "tok-carol", "tok-dave")
HOSTILE = "<script>alert('x')</script>"


def _probe(url: str, *extra: str) -> Any:
    return CliRunner().invoke(cli, ["probe", "--target", url, *IDENTITY_ARGS, "--rps", "0", *extra])


def _hostile_app() -> FastAPI:
    """Notes readable by anyone (BOLA) whose answers carry markup and echo the caller's token."""
    app = FastAPI()
    notes: dict[str, dict[str, str]] = {}

    def caller(authorization: str | None) -> str:
        if not authorization or not authorization.startswith("Bearer tok-"):
            raise HTTPException(401)
        return authorization.removeprefix("Bearer ")

    @app.post("/notes", status_code=201)
    def create(body: dict[str, str], authorization: str | None = Header(None)) -> dict[str, str]:
        owner = caller(authorization)
        note = {"note_id": f"n{len(notes)}", "owner": owner, "text": body.get("note", "")}
        notes[note["note_id"]] = note
        return note

    @app.get("/notes/{note_id}")
    def read(note_id: str, authorization: str | None = Header(None)) -> dict[str, str]:
        seen_by = caller(authorization)
        return {**notes[note_id], "html": HOSTILE, "seen_by": f"Bearer {seen_by}"}

    return app


def test_exit_codes_follow_findings(served: Any) -> None:
    assert _probe(served(bola_read.create_app(True))).exit_code == 1
    clean = _probe(served(bola_read.create_app(False)))
    assert clean.exit_code == 0, clean.output
    assert "no findings" in clean.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--identity", "alice=tok-alice"], "at least two identities"),
        (["--identity", "alice", "--identity", "bob=x"], "bad --identity"),
        (
            ["--identity", "a=x", "--identity-cmd", "b=exit 3"],
            "--identity-cmd for b failed with exit code 3",
        ),
        (["--identity", "a=x", "--identity", "b=y", "--role", "zed=admin"], "unknown identity zed"),
    ],
)
def test_usage_errors_are_one_line(args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["probe", "--target", "http://127.0.0.1:9", *args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_unreachable_target_bad_openapi_and_bad_policy(served: Any, tmp_path: Path) -> None:
    ids = ["--identity", "a=x", "--identity", "b=y"]
    gone = CliRunner().invoke(cli, ["probe", "--target", "http://127.0.0.1:9", *ids])
    assert gone.exit_code == 2 and "cannot reach" in gone.stderr
    bad = tmp_path / "bad.json"
    bad.write_text('{"swagger": "1.2", "paths": {}}')
    url = served(bola_read.create_app(False))
    spec = CliRunner().invoke(cli, ["probe", "--target", url, "--openapi", str(bad), *ids])
    assert spec.exit_code == 2 and "only OpenAPI 3.0/3.1 and Swagger 2.0" in spec.stderr
    policy = tmp_path / "policy.yaml"
    policy.write_text("rules:\n  GET /items: [1, 2]\n")
    rule = CliRunner().invoke(cli, ["probe", "--target", url, "--policy", str(policy), *ids])
    assert rule.exit_code == 2 and "bad policy rule" in rule.stderr
    for result in (gone, spec, rule):
        assert len(result.stderr.strip().splitlines()) == 1


def test_identity_cmd_supplies_a_token(served: Any) -> None:
    url = served(bola_read.create_app(True))
    result = CliRunner().invoke(
        cli,
        [
            *("probe", "--target", url, "--identity", "alice=tok-alice"),
            *("--identity-cmd", "bob=echo tok-bob", "--rps", "0", "--format", "json"),
        ],
    )
    assert result.exit_code == 1
    found = json.loads(result.stdout)["findings"]
    assert {"bob", "alice"} <= {finding["attacker"] for finding in found}


def test_json_schema_is_stable(served: Any) -> None:
    result = _probe(served(bola_write.create_app(True)), "--format", "json")
    report = json.loads(result.stdout)
    assert set(report) == {
        "tool", "schema_version", "target", "scan", "summary", "stats", "coverage", "groups",
        "public", "left_behind", "changed", "notes", "findings", "privileged_access", "per_caller",
    }  # fmt: skip
    assert report["schema_version"] == 3
    assert report["summary"]["exit_code"] == 1 and report["scan"]["version"]
    rows = {row["operation"]: row for row in report["coverage"]["operations"]}
    assert rows["PATCH /items/{item_id}"]["checks"]["write"] == "tested"
    assert rows["DELETE /items/{item_id}"]["checks"]["delete"] == "needs --destructive"
    assert report["groups"][0]["pairs"]
    finding = report["findings"][0]
    assert set(finding) == {
        "kind", "title", "severity", "owasp", "operation", "attacker", "victim", "cross_tenant",
        "message", "fix", "evidence", "proof",
    }  # fmt: skip
    assert set(finding["evidence"][0]) == {"identity", "request", "response"}
    assert report["summary"]["by_kind"]["bola-write"] >= 1
    assert "foreign DELETE checks skipped" in " ".join(report["notes"])


def test_sarif_is_2_1_0_with_logical_locations(served: Any, tmp_path: Path) -> None:
    out = tmp_path / "probe.sarif"
    result = _probe(served(bola_read.create_app(True)), "--format", "sarif", "--output", str(out))
    assert result.exit_code == 1
    sarif = json.loads(out.read_text())
    assert sarif["version"] == "2.1.0" and "sarif-2.1.0" in sarif["$schema"]
    run = sarif["runs"][0]
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert "bola-read" in rule_ids and len(rule_ids) == len(set(rule_ids))
    first = run["results"][0]
    assert first["ruleId"] == rule_ids[first["ruleIndex"]]
    location = first["locations"][0]
    assert location["logicalLocations"][0]["name"] == "GET /items/{item_id}"
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "openapi.json"
    assert first["level"] in ("error", "warning", "note")
    notes = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert "DELETE /items/{item_id}: delete not tested: needs --destructive" in notes


def test_html_is_self_contained_and_escaped(served: Any, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = _probe(served(_hostile_app()), "--format", "html", "--output", str(out))
    assert result.exit_code == 1
    html = out.read_text()
    assert "<script" not in html.lower()
    assert "&lt;script&gt;" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<link" not in html and "@import" not in html
    assert "API1:2023" in html and "Derive ownership from the verified caller" in html
    assert "<h2>Coverage</h2>" in html and "<span class=ok>tested</span>" in html
    assert "<details" in html and "alice (org1), bob (org1), carol (admin, org1)" in html


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "html"])
def test_tokens_never_reach_any_output(served: Any, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"report.{fmt}"
    result = _probe(served(_hostile_app()), "--format", fmt, "--output", str(out))
    assert result.exit_code == 1
    written = out.read_text() + result.stdout + result.stderr
    assert "seen_by" in written or fmt in ("text", "sarif")  # evidence is in json and html
    for token in TOKENS:
        assert token not in written


def test_request_budget_is_respected(served: Any) -> None:
    app = bola_read.create_app(True)
    result = _probe(served(app), "--max-requests", "10", "--format", "json")
    assert app.state.hits <= 10
    assert json.loads(result.stdout)["stats"]["requests"] == app.state.hits
