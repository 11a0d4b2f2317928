"""Flask, `Authorization: Token <key>` (Django REST style), every answer in a `{"data": ...}`
envelope, a list storage. Vulnerable: notes are read and replaced by id without an owner check."""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, jsonify, request

from dynaguard.probe.engine.identities import Identity

from ._kit import STR, obj, op, path_param, spec, static

EXPECTED = {
    ("bola-read", "GET /api/notes/{id}"),
    ("bola-write", "PUT /api/notes/{id}"),
    ("bola-delete", "DELETE /api/notes/{id}"),
}
KEYS = {"k-alice-7f3a": "alice", "k-bob-91c2": "bob", "k-dave-0d4e": "dave"}
NOTE = obj(["title"], title=STR, content=STR)


def create_app(vulnerable: bool) -> Flask:
    app = Flask("envelope_notes")
    notes: list[dict[str, Any]] = []

    def caller() -> str:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Token" or key not in KEYS:
            abort(401)
        return KEYS[key]

    def find(note_id: int, me: str) -> dict[str, Any]:
        for note in notes:
            if note["id"] == note_id and (vulnerable or note["author"] == me):
                return note
        abort(404)

    @app.get("/openapi.json")
    def openapi() -> Any:
        item = {
            "get": op("read a note", params=[path_param("id")]),
            "put": op("replace a note", params=[path_param("id")], body=NOTE),
            "delete": op("delete a note", params=[path_param("id")]),
        }
        paths = {
            "/api/notes": {"get": op("my notes"), "post": op("new note", body=NOTE)},
            "/api/notes/{id}": item,
        }
        scheme = {"type": "apiKey", "in": "header", "name": "Authorization"}
        return jsonify(spec("notes", paths, scheme))

    @app.get("/api/notes")
    def mine() -> Any:
        me = caller()
        return jsonify({"data": [n for n in notes if n["author"] == me]})

    @app.post("/api/notes")
    def new() -> Any:
        me = caller()
        body = request.get_json(silent=True) or {}
        if not isinstance(body.get("title"), str):
            return jsonify({"errors": {"title": "required"}}), 400
        note = {"id": (notes[-1]["id"] + 1) if notes else 1, "author": me, "title": body["title"]}
        note["content"] = str(body.get("content", ""))
        notes.append(note)
        return jsonify({"data": {"note": note}}), 201

    @app.get("/api/notes/<int:note_id>")
    def read(note_id: int) -> Any:
        return jsonify({"data": find(note_id, caller())})

    @app.put("/api/notes/<int:note_id>")
    def replace(note_id: int) -> Any:
        note = find(note_id, caller())
        body = request.get_json(silent=True) or {}
        note.update({k: str(v) for k, v in body.items() if k in ("title", "content")})
        return jsonify({"data": note})

    @app.delete("/api/notes/<int:note_id>")
    def delete(note_id: int) -> Any:
        notes.remove(find(note_id, caller()))
        return "", 204

    return app


def identities(url: str) -> list[Identity]:
    return static({name: f"Token {key}" for key, name in KEYS.items()})
