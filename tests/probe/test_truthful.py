"""A clean report must mean something: bad tokens, unfeedable ids and lost sessions are said, never
reported as clean; the probe leaves identities able to log in and restores what it changed."""

import json
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI, Header, HTTPException
from typer.testing import CliRunner

from dynaguard.cli import app as cli
from dynaguard.probe.runner import ProbeOptions, run_probe

from .realistic import account_put, signup_mass

ARGS = ["--identity", "alice=good-a", "--identity", "bob=good-b", "--rps", "0"]


def _widgets(rotate_on_write: bool = False, hidden: bool | None = None) -> FastAPI:
    """Widgets nobody can create (no producer for `widget_id`), a profile whose PUT may rotate the
    caller's token, and (optionally) a hidden route that is not in the OpenAPI."""
    app = FastAPI()
    tokens = {"good-a": "alice", "good-b": "bob"}
    notes = {"n1": {"owner": "alice", "text": "alice's secret dgc0123abcde"}}

    def user(authorization: Annotated[str | None, Header()] = None) -> str:
        token = (authorization or "").removeprefix("Bearer ")
        if token not in tokens:
            raise HTTPException(401, "bad token")
        return tokens[token]

    @app.get("/me")
    def me(name: Annotated[str, Depends(user)]) -> dict[str, str]:
        return {"username": name}

    @app.put("/profile")
    def profile(body: dict[str, str], authorization: Annotated[str, Header()] = "") -> Any:
        name = user(authorization)
        if rotate_on_write:
            tokens.pop(authorization.removeprefix("Bearer "), None)
        return {"username": name, **body}

    @app.post("/widgets", status_code=201)
    def make_widget(body: dict[str, str], name: Annotated[str, Depends(user)]) -> None:
        raise HTTPException(422, "widgets need a factory id")

    @app.get("/widgets/{widget_id}")
    def widget(widget_id: str, name: Annotated[str, Depends(user)]) -> dict[str, str]:
        raise HTTPException(404, "no such widget")

    if hidden is not None:

        @app.get("/internal/notes/{note_id}", include_in_schema=not hidden)
        def note(note_id: str, name: Annotated[str, Depends(user)]) -> dict[str, str]:
            return notes[note_id]

        @app.get("/internal/notes", include_in_schema=not hidden)
        def my_notes(name: Annotated[str, Depends(user)]) -> list[dict[str, str]]:
            return [{"note_id": k, **v} for k, v in notes.items() if v["owner"] == name]

    @app.get("/api/v1/health-check")
    def health() -> dict[str, str]:
        return {"status": "up"}

    return app


def test_a_refused_token_is_a_usage_error(served: Any) -> None:
    url = served(_widgets())
    args = ["--identity", "alice=good-a", "--identity", "bob=expired", "--rps", "0"]
    result = CliRunner().invoke(cli, ["probe", "--target", url, *args])
    assert result.exit_code == 2
    assert "identity bob is not accepted" in result.stderr and "Traceback" not in result.output


def test_an_unfeedable_path_parameter_is_not_clean(served: Any) -> None:
    url = served(_widgets())
    result = CliRunner().invoke(cli, ["probe", "--target", url, *ARGS, "--format", "json"])
    assert result.exit_code == 3, result.output
    report = json.loads(result.stdout)
    assert (
        report["summary"]["findings"] == 0
        and "GET /widgets/{widget_id}" in report["coverage"]["untested"]
    )
    rows = {row["operation"]: row for row in report["coverage"]["operations"]}
    assert rows["GET /widgets/{widget_id}"]["checks"]["read"] == (
        "no id found for widget_id (create failed: POST /widgets answered 422)"
    )
    assert rows["GET /api/v1/health-check"]["checks"] == {"leak": "no check applies"}
    assert "incomplete: only" in result.stderr
    lenient = CliRunner().invoke(cli, ["probe", "--target", url, *ARGS, "--min-coverage", "0"])
    assert lenient.exit_code == 0, lenient.output


def test_an_identity_that_loses_access_stops_the_run(served: Any) -> None:
    url = served(_widgets(rotate_on_write=True))
    result = CliRunner().invoke(cli, ["probe", "--target", url, *ARGS, "--min-coverage", "0"])
    assert result.exit_code == 3, result.output
    assert "the probe's PUT /profile" in result.stdout  # the request is named, not the target
    assert "made alice's requests fail: GET /me answered 401 (200 before)" in result.stdout


def test_hidden_routes_from_a_list_or_a_har_file(served: Any, tmp_path: Path) -> None:
    url = served(_widgets(hidden=True))
    listing = tmp_path / "routes.txt"
    listing.write_text("# recorded in the browser\nGET /internal/notes\nGET /internal/notes/n1\n")
    har = tmp_path / "session.har"
    entries = [
        {"request": {"method": "GET", "url": f"{url}/internal/notes?page=1"}},
        {"request": {"method": "GET", "url": f"{url}/internal/notes/n1"}},
    ]
    har.write_text(json.dumps({"log": {"entries": entries}}))
    for source in (listing, har):
        extra = ["--extra", str(source), "--min-coverage", "0", "--format", "json"]
        result = CliRunner().invoke(cli, ["probe", "--target", url, *ARGS, *extra])
        assert result.exit_code == 1, result.output
        found = {(f["kind"], f["operation"]) for f in json.loads(result.stdout)["findings"]}
        assert ("bola-read", "GET /internal/notes/{id}") in found
    bad = tmp_path / "bad.txt"
    bad.write_text("FETCH everything\n")
    result = CliRunner().invoke(cli, ["probe", "--target", url, *ARGS, "--extra", str(bad)])
    assert result.exit_code == 2 and "line 1" in result.stderr


@pytest.mark.parametrize("case", [account_put, signup_mass])
@pytest.mark.parametrize("vulnerable", [True, False])
def test_identities_can_log_in_and_changes_are_restored(
    served: Any, case: Any, vulnerable: bool
) -> None:
    url = served(case.create_app(vulnerable))
    identities = case.identities(url)
    reader = "/account" if case is account_put else "/user"

    def state() -> list[Any]:
        answers = [httpx.get(url + reader, headers=i.headers()) for i in identities[:-1]]
        return [answer.json() for answer in answers]

    before = state()
    result = run_probe(ProbeOptions(url, identities, destructive=True, rps=0))
    assert case.still_logs_in(url)
    if case is account_put:
        assert state() == before, result.changed
    else:
        assert result.left_behind and all(item.startswith(url) for item in result.left_behind)


def test_a_phase_that_breaks_stops_the_run_with_a_note(served: Any, monkeypatch: Any) -> None:
    from dynaguard.probe.checks import writes
    from dynaguard.probe.engine.identities import build_identities

    def broken(ctx: Any) -> None:
        raise KeyError("links")

    monkeypatch.setattr(writes, "run", broken)
    url = served(_widgets())
    people = build_identities(["alice=good-a", "bob=good-b"], [], [], [])
    result = run_probe(ProbeOptions(url, people, rps=0, min_coverage=0))
    assert result.exit_code == 3 and result.stopped is not None
    assert "foreign updates phase stopped on an unexpected answer (KeyError" in result.stopped
