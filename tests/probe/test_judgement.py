"""The probe's judgement rules, each proven against a small app: coverage is earned (all-404 cells
and safety skips do not count as tested), the probe's own damage stops the run naming the request,
enum-like fields never get invented values, tokens the target issues never reach a report,
status-only results stay low, `--fail-on` decides the exit code, and the privileged surface never
deletes a run identity's own account."""

import json
from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, Header, HTTPException
from typer.testing import CliRunner

from dynaguard.cli import app as cli

from .realistic import social_feed
from .realistic._kit import login

ARGS = ["--identity", "alice=t-alice", "--identity", "bob=t-bob", "--rps", "0"]


def _things(
    *, ghost_reads: bool = False, password_route: bool = False, noop_put: bool = False
) -> FastAPI:
    """Things owned by their creator. `ghost_reads`: every item read answers 404 (the id the
    create returned never resolves); `password_route`: a per-user password change the probe must
    not call; `noop_put`: a foreign PUT answers 200 and changes nothing."""
    app = FastAPI()
    things: dict[str, dict[str, str]] = {}

    def user(authorization: Annotated[str, Header()] = "") -> str:
        token = authorization.removeprefix("Bearer ")
        if token not in ("t-alice", "t-bob"):
            raise HTTPException(401, "bad token")
        return token.removeprefix("t-")

    User = Annotated[str, Depends(user)]

    @app.get("/me")
    def me(name: User) -> dict[str, str]:
        return {"username": name}

    @app.post("/things", status_code=201)
    def create(body: dict[str, str], name: User) -> dict[str, str]:
        thing = {"id": f"t{len(things)}", "owner": name, "text": body.get("note", "")}
        things[thing["id"]] = thing
        return thing

    @app.get("/things")
    def mine(name: User) -> list[dict[str, str]]:
        return [t for t in things.values() if t["owner"] == name]

    @app.get("/things/{thing_id}")
    def read(thing_id: str, name: User) -> dict[str, str]:
        found = things.get(thing_id)
        if ghost_reads or found is None or found["owner"] != name:
            raise HTTPException(404, "not found")
        return found

    @app.put("/things/{thing_id}")
    def replace(thing_id: str, body: dict[str, str], name: User) -> dict[str, str]:
        found = things.get(thing_id)
        if found is None:
            raise HTTPException(404, "not found")
        if found["owner"] != name:
            if noop_put:
                return {"status": "saved"}
            raise HTTPException(404, "not found")
        found["text"] = body.get("note", found["text"])
        return found

    if password_route:

        @app.put("/users/{username}/password")
        def password(username: str, body: dict[str, str], name: User) -> dict[str, str]:
            raise HTTPException(500, "must never be called")

    return app


def _run(url: str, *extra: str) -> Any:
    return CliRunner().invoke(cli, ["probe", "--target", url, *ARGS, "--format", "json", *extra])


def test_an_all_404_cell_is_not_tested(served: Any) -> None:
    result = _run(served(_things(ghost_reads=True)))
    report = json.loads(result.stdout)
    rows = {row["operation"]: row["checks"] for row in report["coverage"]["operations"]}
    assert rows["GET /things/{thing_id}"]["read"] == "the owner's own read answered 404"
    assert rows["PUT /things/{thing_id}"]["write"] == "the owner's own read answered 404"
    assert "GET /things/{thing_id}" in report["coverage"]["untested"]
    assert result.exit_code == 3 and report["summary"]["findings"] == 0


def test_a_safety_skip_lowers_coverage(served: Any) -> None:
    app = _things(password_route=True)
    result = _run(served(app))
    report = json.loads(result.stdout)
    rows = {row["operation"]: row["checks"] for row in report["coverage"]["operations"]}
    skip = rows["PUT /users/{username}/password"]
    assert all(state.startswith("skipped for safety") for state in skip.values()), skip
    assert report["coverage"]["untested"] == ["PUT /users/{username}/password"]
    assert report["coverage"]["share"] < 1.0
    clean = _run(served(_things()))
    assert json.loads(clean.stdout)["coverage"]["share"] == 1.0 and clean.exit_code == 0


def test_status_only_is_low_and_fail_on_decides_the_exit_code(served: Any) -> None:
    url = served(_things(noop_put=True))
    result = _run(url)
    report = json.loads(result.stdout)
    assert {(f["kind"], f["severity"], f["proof"]) for f in report["findings"]} == {
        ("unenforced-2xx", "low", "status only")
    }
    assert result.exit_code == 0 and report["summary"]["fail_on"] == "medium"
    for threshold, code in (("info", 1), ("low", 1), ("medium", 0), ("high", 0)):
        assert _run(url, "--fail-on", threshold).exit_code == code, threshold
    text = CliRunner().invoke(cli, ["probe", "--target", url, *ARGS]).stdout
    summary = [line for line in text.splitlines() if "finding(s) in" in line]
    assert len(summary) == 1 and summary[0].endswith("exit 0"), text  # not hard-wrapped
    assert "(2 below --fail-on medium)" in summary[0]  # alice → bob and bob → alice
    sarif = json.loads(_run(url, "--format", "sarif", "--fail-on", "low").stdout)
    invocation = sarif["runs"][0]["invocations"][0]
    assert invocation["exitCode"] == 1 and invocation["executionSuccessful"] is True


def _preferences(role_enum: bool) -> FastAPI:
    """`PUT /preferences` stores a greeting style (free text: the probe sends its canary) that
    `/me` must render: an unknown one breaks every later `/me` of that user with a 500 (damage
    by the probe's own write). `PUT /users/role`
    takes a free-text role (no enum) that the probe must never invent."""
    app = FastAPI()
    app.state.roles = []
    names = {"t-alice": "alice", "t-bob": "bob"}
    language = {"alice": "en", "bob": "en"}
    greetings = {"en": "hello", "fr": "bonjour"}

    def user(authorization: Annotated[str, Header()] = "") -> str:
        token = authorization.removeprefix("Bearer ")
        if token not in names:
            raise HTTPException(401, "bad token")
        return names[token]

    User = Annotated[str, Depends(user)]

    @app.get("/me")
    def me(name: User) -> dict[str, str]:
        return {"username": name, "greeting": greetings[language[name]], "role": "member"}

    @app.put("/preferences")
    def preferences(body: dict[str, str], name: User) -> dict[str, str]:
        language[name] = body.get("style", language[name])
        return {"style": language[name]}

    @app.put("/users/role")
    def role(body: dict[str, Any], name: User) -> dict[str, str]:
        app.state.roles.append(body.get("role"))
        return {"ok": "yes"}

    schema = app.openapi()
    prefs = schema["paths"]["/preferences"]["put"]
    prefs["requestBody"]["content"]["application/json"]["schema"] = {
        "type": "object",
        "required": ["style"],
        "properties": {"style": {"type": "string"}},
    }
    role_schema: dict[str, Any] = {"type": "string"}
    if role_enum:
        role_schema["enum"] = ["member", "owner"]
    schema["paths"]["/users/role"]["put"]["requestBody"]["content"]["application/json"][
        "schema"
    ] = {"type": "object", "required": ["role"], "properties": {"role": role_schema}}
    app.openapi_schema = schema
    return app


def test_a_probe_write_that_breaks_an_identity_stops_the_run_naming_it(served: Any) -> None:
    result = CliRunner().invoke(cli, ["probe", "--target", served(_preferences(True)), *ARGS])
    assert result.exit_code == 3, result.output
    out = " ".join(result.stdout.split())
    assert "stopped: the probe's PUT /preferences" in out
    assert "made alice's requests fail: GET /me answered 500 (200 before)" in out
    assert "not a finding about the target" in out


@pytest.mark.parametrize("role_enum", [False, True])
def test_enum_like_fields_never_get_invented_values(served: Any, role_enum: bool) -> None:
    app = _preferences(role_enum)
    app.router.routes = [r for r in app.router.routes if getattr(r, "path", "") != "/preferences"]
    del app.openapi_schema["paths"]["/preferences"]
    result = _run(served(app), "--min-coverage", "0")
    allowed = {"member", "owner"} if role_enum else {"member"}  # the spec's enum, or data seen
    assert app.state.roles and set(app.state.roles) <= allowed, app.state.roles
    assert result.exit_code == 0, result.output


def test_no_issued_token_or_secret_survives_in_any_report(served: Any, tmp_path: Path) -> None:
    app = social_feed.create_app(True)
    url = served(app)
    identities = login(url, "/login", "access_token")
    args = [f"--identity={i.name}={i.token}" for i in identities if i.token]
    for fmt in ("text", "json", "sarif", "html"):
        out = tmp_path / f"report.{fmt}"
        result = CliRunner().invoke(
            cli,
            ["probe", "--target", url, *args, "--rps", "0", "--format", fmt, "--output", str(out)],
        )
        assert result.exit_code == 1, result.output
        written = out.read_text() + result.stdout + result.stderr
        issued = [token for token in app.state.issued if token in written]
        assert issued == [] and len(app.state.issued) > 3, fmt
        assert "$2b$12$" not in written, fmt  # the exposed password hashes are redacted too
        redacted = {"json": "<redacted>", "html": "&lt;redacted&gt;"}.get(fmt)
        if redacted is not None:  # the evidence is there, with the values taken out
            assert "password_hash" in written and redacted in written, fmt


def _accounts() -> FastAPI:
    """`GET /account` shows the caller its own API key under a handle the probe cannot tie to it;
    `GET /staff` lists two seeded staff members with their password hashes."""
    app = FastAPI()
    names = {"t-alice": "alice", "t-bob": "bob"}

    def user(authorization: Annotated[str, Header()] = "") -> str:
        token = authorization.removeprefix("Bearer ")
        if token not in names:
            raise HTTPException(401, "bad token")
        return names[token]

    User = Annotated[str, Depends(user)]

    @app.get("/account")
    def account(name: User) -> dict[str, str]:
        return {"handle": f"acct-{len(name)}", "username": f"u{len(name)}x", "api_key": "k" * 12}

    @app.get("/staff")
    def staff(name: User) -> list[dict[str, str]]:
        return [
            {"username": "root", "password_hash": "$2b$12$" + "a" * 53},
            {"username": "ops", "password_hash": "$2b$12$" + "b" * 53},
        ]

    return app


def test_secrets_of_unknown_owners_count_only_in_a_list_of_people(served: Any) -> None:
    report = json.loads(_run(served(_accounts()), "--min-coverage", "0").stdout)
    found = {(f["kind"], f["operation"], f["attacker"], f["victim"]) for f in report["findings"]}
    assert found == {
        ("sensitive-data", "GET /staff", "alice", None),
        ("sensitive-data", "GET /staff", "bob", None),
    }


def _directory() -> FastAPI:
    """Seeded accounts in a public directory, the administrator's own listed first; only the
    administrator may delete an account."""
    app = FastAPI()
    app.state.accounts = ["root", "alice", "bob", "carol"]

    def user(authorization: Annotated[str, Header()] = "") -> str:
        name = authorization.removeprefix("Bearer t-")
        if name not in app.state.accounts or name == "carol":
            raise HTTPException(401, "bad token")
        return name

    User = Annotated[str, Depends(user)]

    @app.get("/me")
    def me(name: User) -> dict[str, str]:
        return {"username": name}

    @app.get("/accounts")
    def directory() -> list[dict[str, str]]:
        return [{"username": name} for name in app.state.accounts]

    @app.get("/accounts/{username}")
    def card(username: str) -> dict[str, str]:
        if username not in app.state.accounts:
            raise HTTPException(404, "no such account")
        return {"username": username}

    @app.delete("/accounts/{username}", status_code=204)
    def remove(username: str, name: User) -> None:
        if name != "root":
            raise HTTPException(403, "administrators only")
        if username not in app.state.accounts:
            raise HTTPException(404, "no such account")
        app.state.accounts.remove(username)

    return app


def test_a_shared_object_naming_a_run_identity_is_never_deleted(served: Any) -> None:
    """The privileged surface takes seeded records nobody in the run created; the directory's
    first is the `--role` identity's own account, which the probe must not delete."""
    app = _directory()
    args = ["--identity", "root=t-root", "--role", "root=admin", "--destructive"]
    result = _run(served(app), *args)
    assert {"root", "alice", "bob"} <= set(app.state.accounts), app.state.accounts
    assert "carol" not in app.state.accounts  # the surface was still tried, on someone else
    assert json.loads(result.stdout)["summary"]["findings"] == 0, result.stdout
