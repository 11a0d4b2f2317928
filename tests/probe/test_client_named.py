"""Objects whose id the client names in a create-by-PUT: the probe makes one up per identity
(schema-valid, recognisable), reaches the routes it feeds, finds a planted flaw, cleans up."""

from __future__ import annotations

import re
from typing import Any

from dynaguard.probe.engine.client_named import PREFIX, fresh_id, names_new_object
from dynaguard.probe.runner import ProbeOptions, run_probe
from dynaguard.probe.spec.operations import Operation

from .apps import named_delete
from .conftest import four_identities


def _op(method: str, path: str) -> Operation:
    return Operation(method, path, None, ())


def test_only_a_put_naming_its_own_object_without_a_post_is_a_client_named_create() -> None:
    team = _op("PUT", "/org/teams/{team_id}")
    members = _op("PUT", "/org/teams/{team_id}/members/{user_id}")
    grant = _op("PUT", "/org/items/{item_id}/team-grants/{team_id}")
    item = _op("PUT", "/org/items/{item_id}")
    bucket = _op("PUT", "/buckets/{name}")
    operations = [team, members, grant, item, bucket, _op("POST", "/org/items")]
    assert names_new_object(operations, team)
    assert not names_new_object(operations, members)  # the user comes from the identities
    assert not names_new_object(operations, grant)  # the team must already exist
    assert not names_new_object(operations, item)  # POST /org/items makes items
    assert not names_new_object(operations, _op("DELETE", "/org/teams/{team_id}"))
    assert not names_new_object(operations, bucket)  # `{name}` names no `bucket`


def test_fresh_ids_respect_the_parameter_schema() -> None:
    pattern = r"^[a-z0-9][a-z0-9-]{0,62}$"
    value = fresh_id({"type": "string", "pattern": pattern, "maxLength": 12})
    assert value is not None and re.search(pattern, value) and len(value) == 12
    assert value.startswith(PREFIX)
    assert fresh_id({"type": "string"}) != fresh_id({"type": "string"})
    no_dash = fresh_id({"type": "string", "pattern": "^[a-z0-9]+$"})
    assert no_dash is not None and no_dash.startswith(PREFIX) and "-" not in no_dash
    uuid = fresh_id({"type": "string", "format": "uuid"})
    assert uuid is not None and re.fullmatch(r"[0-9a-f-]{36}", uuid)
    assert (fresh_id({"type": "integer"}) or "").isdigit()
    assert fresh_id({"type": "string", "pattern": "^[A-Z]{3}$"}) is None
    assert fresh_id({"type": "array"}) is None


def _run(served: Any, vulnerable: bool) -> tuple[Any, Any]:
    app = named_delete.create_app(vulnerable)
    result = run_probe(ProbeOptions(served(app), four_identities(), destructive=True, rps=0))
    return app, result


def test_a_client_named_object_is_reached_and_a_foreign_delete_of_it_found(served: Any) -> None:
    _, result = _run(served, vulnerable=True)
    found = {(f.kind, f.operation) for f in result.findings}
    assert ("bola-delete", "DELETE /teams/{team_id}") in found, found
    assert result.exit_code == 1


def test_the_fixed_twin_is_clean_fully_covered_and_cleaned_up(served: Any) -> None:
    app, result = _run(served, vulnerable=False)
    assert result.findings == []
    rows = {row["operation"]: row for row in result.coverage}
    for key in ("GET /teams/{team_id}", "PUT /teams/{team_id}", "DELETE /teams/{team_id}"):
        assert rows[key]["exercised"], rows[key]
    assert result.coverage_share == 1.0 and result.exit_code == 0, result.untested
    assert app.state.teams == {} and result.left_behind == []
