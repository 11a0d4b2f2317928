"""Reading OpenAPI 3.0/3.1, generating bodies with canaries, chaining ids, and the policy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dynaguard.probe.engine.identities import Identity
from dynaguard.probe.engine.policy import load_policy
from dynaguard.probe.errors import ProbeError
from dynaguard.probe.spec.bodies import BodyContext, generate
from dynaguard.probe.spec.document import parse_text
from dynaguard.probe.spec.graph import Resource, fill, harvest_ids
from dynaguard.probe.spec.operations import read_operations

SPEC_30 = """
openapi: 3.0.3
servers: [{url: "https://prod.example.com/v1"}, {url: /api}]
paths:
  /widgets:
    post:
      tags: [widgets]
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/New'}}}
  /widgets/{widgetId}:
    parameters: [{$ref: '#/components/parameters/WidgetId'}]
    get: {operationId: getWidget}
  /admin/stats: {get: {tags: [admin]}}
  /healthz: {get: {}}
components:
  parameters:
    WidgetId: {name: widgetId, in: path, required: true, schema: {type: string}}
  schemas:
    New:
      type: object
      required: [title, kind, owner_id]
      properties:
        title: {type: string, maxLength: 14}
        code: {type: string, pattern: '^[a-z0-9]+$'}
        kind: {type: string, enum: [small, large]}
        email: {type: string, format: email}
        note: {type: string, nullable: true}
        owner_id: {type: string}
        org_id: {type: string}
        count: {type: integer, minimum: 3}
        tags: {type: array, items: {$ref: '#/components/schemas/Tag'}}
        parent: {$ref: '#/components/schemas/New'}
    Tag: {anyOf: [{type: 'null'}, {type: string, minLength: 20}]}
"""


def test_openapi_30_refs_params_and_servers() -> None:
    document = parse_text(SPEC_30, "spec.yaml")
    operations = {op.key: op for op in read_operations(document)}
    assert set(operations) == {
        "POST /widgets", "GET /widgets/{widgetId}", "GET /admin/stats", "GET /healthz"
    }  # fmt: skip
    assert operations["GET /widgets/{widgetId}"].path_params == ["widgetId"]
    assert document.base_path("http://127.0.0.1:8001") == ("/api", ["https://prod.example.com/v1"])


def test_bodies_plant_the_canary_within_constraints() -> None:
    document = parse_text(SPEC_30, "spec.yaml")
    schema = read_operations(document)[0].body_schema
    first = generate(schema, BodyContext(document, "dgc0123456789", {"owner_id": "u-1"}))
    assert "email" not in first and "count" not in first  # optional non-text waits for a retry
    body = generate(schema, BodyContext(document, "dgc0123456789", {"owner_id": "u-1"}, full=True))
    assert body["title"] == "dgc0123456789"  # 13 <= maxLength 14
    assert re.fullmatch("[a-z0-9]+", body["code"]) and "dgc" in body["code"]
    assert body["kind"] == "small" and body["email"].startswith("dgc0123456789@")
    assert body["owner_id"] == "u-1" and "org_id" not in body  # optional sensitive fields stay out
    assert body["count"] == 3
    assert len(body["tags"][0]) >= 20 and body["tags"][0].startswith("dgc")
    assert isinstance(body["parent"], dict)  # recursive schema terminates


def test_openapi_31_type_lists_and_bad_documents() -> None:
    spec = (
        '{"openapi": "3.1.0", "paths": {"/a": {"post": {"requestBody": {"content": '
        '{"application/json": {"schema": {"type": "object", "properties": '
        '{"n": {"type": ["string", "null"], "maxLength": 5}}}}}}}}}}'
    )
    document = parse_text(spec, "a.json")
    body = generate(read_operations(document)[0].body_schema, BodyContext(document, "dgcabc", {}))
    assert body == {"n": "x"}  # the canary does not fit: fall back to plain text
    with pytest.raises(ProbeError, match=r"only OpenAPI 3\.0/3\.1 and Swagger 2\.0"):
        parse_text('{"swagger": "1.2", "paths": {}}', "old.json")
    with pytest.raises(ProbeError, match=r"bad openapi broken\.json: while parsing"):
        parse_text("[1, 2", "broken.json")
    with pytest.raises(ProbeError, match="no `paths`"):
        parse_text("openapi: 3.1.0", "empty.yaml")


def test_ids_chain_from_bodies_and_location_but_not_from_lists() -> None:
    document = parse_text(SPEC_30, "spec.yaml")
    ops = {op.key: op for op in read_operations(document)}
    producer, consumer = ops["POST /widgets"], ops["GET /widgets/{widgetId}"]
    ids = harvest_ids({"id": "w1", "meta": {"org_id": "o1"}, "items": [{"id": "other"}]})
    assert ids == {"id": "w1", "org_id": "o1"}
    assert fill(consumer, Resource("alice", producer, None, ids)) == {"widgetId": "w1"}
    by_location = Resource("alice", producer, None, {}, location="/widgets/w9")
    assert fill(consumer, by_location) == {"widgetId": "w9"}
    assert fill(consumer, Resource("alice", producer, None, {"name": "x"})) is None


def test_default_policy_and_policy_file(tmp_path: Path) -> None:
    document = parse_text(SPEC_30, "spec.yaml")
    ops = {op.key: op for op in read_operations(document)}
    policy = load_policy(None)
    member, admin = Identity("m", "t"), Identity("a", "t", frozenset({"admin"}))
    assert policy.access(ops["GET /healthz"]).level == "public"
    assert policy.access(ops["GET /widgets/{widgetId}"]).level == "owner"
    assert not policy.access(ops["GET /admin/stats"]).may_call(member)
    assert policy.access(ops["GET /admin/stats"]).may_call(admin)
    path = tmp_path / "policy.yaml"
    path.write_text("rules:\n  getWidget: public\n  GET /admin/stats: [auditor, admin]\n")
    custom = load_policy(path)
    assert custom.access(ops["GET /widgets/{widgetId}"]).level == "public"
    assert custom.access(ops["GET /admin/stats"]).roles == {"auditor", "admin"}


def test_links_by_resource_and_value_not_by_spelling() -> None:
    from dynaguard.probe.spec.graph import value_for
    from dynaguard.probe.spec.operations import Operation

    notes = Operation("POST", "/notes", None, ())
    note = Resource("alice", notes, "dgcaaaaaaaaa", {"item_id": "n7"}, sent={"title": "dgcaaa"})
    read = Operation("GET", "/notes/{note_id}", None, ())
    assert fill(read, note) == {"note_id": "n7"}
    by_slug = Operation("GET", "/notes/{slug}", None, ())
    assert fill(by_slug, note) == {"slug": "dgcaaa"}
    other = Operation("GET", "/projects/{project_id}", None, ())
    assert fill(other, note) is None
    tasks = Operation("POST", "/projects/{project_id}/tasks", None, ())
    task = Resource("bob", tasks, None, {"id": "t1"}, path_values={"project_id": "p1"})
    item = Operation("GET", "/projects/{project_id}/tasks/{task_id}", None, ())
    assert fill(item, task) == {"project_id": "p1", "task_id": "t1"}
    assert value_for("product_id", Resource("x", Operation("GET", "/products", None, ()), None,
                                            {"id": "101"}), False, "") == "101"  # fmt: skip


def test_resets_logouts_and_credentials_are_not_called_unless_allowed(tmp_path: Path) -> None:
    from dynaguard.probe.spec.operations import Operation
    from dynaguard.probe.spec.safety import unsafe_reason

    for method, path in (("GET", "/api/reset"), ("POST", "/admin/seed"), ("GET", "/init-db"),
                         ("POST", "/auth/logout"), ("PUT", "/users/me/password")):  # fmt: skip
        assert unsafe_reason(Operation(method, path, None, ())) is not None, path
    for method, path in (("GET", "/users/me"), ("POST", "/datasets"), ("GET", "/password-rules")):
        assert unsafe_reason(Operation(method, path, None, ())) is None, path
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text('rules: {"GET /feed": shared}\nallow: ["GET /api/reset"]\n')
    policy = load_policy(policy_file)
    assert policy.allows_unsafe(Operation("GET", "/api/reset", None, ()))
    assert policy.access(Operation("GET", "/feed", None, ())).level == "shared"
    policy_file.write_text("allow: GET /api/reset\n")
    with pytest.raises(ProbeError, match="`allow` must be a list"):
        load_policy(policy_file)


def test_token_schemes_and_claims() -> None:
    from dynaguard.probe.engine.identities import AuthScheme, Identity, scheme_from

    raw = {"components": {"securitySchemes": {"k": {"type": "apiKey", "in": "header",
                                                     "name": "X-API-Key"}}}}  # fmt: skip
    assert scheme_from(raw) == AuthScheme("header", "X-API-Key", "")
    assert Identity("a", "abc", scheme=scheme_from(raw)).headers() == {"X-API-Key": "abc"}
    assert Identity("a", "Token abc").headers() == {"Authorization": "Token abc"}
    assert Identity("a", "X-Auth: abc").headers() == {"X-Auth": "abc"}
    assert Identity("a", "abc").headers() == {"Authorization": "Bearer abc"}
    claims = Identity("a", "e30.eyJzdWIiOiAiNDIiLCAidXNlcm5hbWUiOiAiYWxpY2UifQ.c2ln")
    claims.learn_from_claims()
    assert claims.first("user") == "42" and claims.first("username") == "alice"


def test_optional_security_counts_as_public_by_declaration() -> None:
    spec = (
        '{"openapi": "3.0.3", "security": [{"bearer": []}], "paths": {'
        '"/feed": {"get": {"security": [{}, {"bearer": []}]}}, "/mine": {"get": {}},'
        '"/open": {"get": {"security": []}}}}'
    )
    ops = {op.path: op for op in read_operations(parse_text(spec, "s.json"))}
    assert ops["/feed"].declared_public and ops["/open"].declared_public
    assert not ops["/mine"].declared_public


def test_swagger_2_documents_are_converted() -> None:
    from dynaguard.probe.engine.identities import AuthScheme, scheme_from

    spec = {
        "swagger": "2.0", "basePath": "/api", "consumes": ["application/json"],
        "securityDefinitions": {"key": {"type": "apiKey", "in": "header", "name": "X-Token"}},
        "security": [{"key": []}],
        "definitions": {"Book": {"type": "object", "required": ["title"],
                                 "properties": {"title": {"type": "string"}}}},
        "paths": {
            "/books": {"post": {"parameters": [
                {"in": "body", "name": "body", "schema": {"$ref": "#/definitions/Book"}}]}},
            "/books/{book_id}": {"get": {"parameters": [
                {"in": "path", "name": "book_id", "required": True, "type": "integer"}]}},
        },
    }  # fmt: skip
    import json as _json

    document = parse_text(_json.dumps(spec), "swagger.json")
    ops = {op.key: op for op in read_operations(document)}
    assert ops["POST /books"].body_fields == ["title"]
    assert ops["GET /books/{book_id}"].params[0].schema == {"type": "integer"}
    assert not ops["GET /books/{book_id}"].declared_public
    assert scheme_from(document.raw) == AuthScheme("header", "X-Token", "")
    assert document.base_path("http://h") == ("/api", [])
