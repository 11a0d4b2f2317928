"""Flask in the shape of small club-booking APIs: `POST /auth/login` answers `{"token": ...}`,
members join through `POST /members/join`, the public roster (`GET /members`) shows each member's
name and an `is_admin` column, `GET /members/{username}` is a public card with the e-mail and
`PUT /members/{username}/email` changes it; there is no `/me`. Court bookings are keyed by the
court name the member posted: the public board (`GET /bookings`) shows who booked which court,
and the item read adds the booking's private `memo`, which only the member who booked sees.

Vulnerable: any signed-in member reads any booking's memo (its court name is public, its memo is
not); joining honours an `is_admin` field the document does not declare (the privilege shows only
in the new member's own roster entry); the e-mail route changes the member the path names,
whoever asks."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, abort, jsonify, request

from dynaguard.probe.engine.identities import Identity

from ._kit import PEOPLE, STR, can_log_in, login, obj, op, path_param, spec

EXPECTED = {
    ("bola-read", "GET /bookings/{court}"),
    ("mass-assignment", "POST /members/join"),
    ("bola-write", "PUT /members/{username}/email"),
}


def create_app(vulnerable: bool) -> Flask:
    app = Flask("club_courts")
    members: dict[str, dict[str, Any]] = {
        name: {"username": name, "email": f"{name}@club.test", "password": pw, "is_admin": False}
        for name, pw in PEOPLE.items()
    }
    sessions: dict[str, str] = {}
    bookings: dict[str, dict[str, str]] = {}

    def caller() -> str:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in sessions:
            abort(401)
        return sessions[token]

    @app.get("/openapi.json")
    def openapi() -> Any:
        join = obj(["username", "email", "password"], username=STR, email=STR, password=STR)
        credentials = obj(["username", "password"], username=STR, password=STR)
        paths = {
            "/auth/login": {"post": op("log in", secured=False, body=credentials)},
            "/members/join": {"post": op("join the club", secured=False, body=join)},
            "/members": {"get": op("the roster", secured=False)},
            "/members/{username}": {
                "get": op("a member's card", secured=False, params=[path_param("username")])
            },
            "/members/{username}/email": {
                "put": op(
                    "change a member's e-mail",
                    params=[path_param("username")],
                    body=obj(["email"], email=STR),
                )
            },
            "/bookings": {
                "get": op("the public board", secured=False),
                "post": op("book a court", body=obj(["court", "memo"], court=STR, memo=STR)),
            },
            "/bookings/{court}": {
                "get": op("a booking and its memo", params=[path_param("court")])
            },
        }
        return jsonify(spec("club", paths, {"type": "http", "scheme": "bearer"}))

    @app.post("/auth/login")
    def do_login() -> Any:
        body = request.get_json(silent=True) or {}
        member = members.get(str(body.get("username")))
        if member is None or member["password"] != body.get("password"):
            return jsonify({"error": "bad credentials"}), 401
        token = secrets.token_urlsafe(16)
        sessions[token] = member["username"]
        return jsonify({"token": token})

    @app.post("/members/join")
    def join() -> Any:
        body = request.get_json(silent=True) or {}
        fields = [body.get(key) for key in ("username", "email", "password")]
        if not all(isinstance(value, str) and value for value in fields):
            return jsonify({"error": "username, email and password are required"}), 400
        if body["username"] in members:
            return jsonify({"error": "taken"}), 409
        members[body["username"]] = {
            "username": body["username"],
            "email": body["email"],
            "password": body["password"],
            "is_admin": vulnerable and body.get("is_admin") is True,
        }
        return jsonify({"status": "joined"}), 201

    @app.get("/members")
    def roster() -> Any:
        rows = [{"username": m["username"], "is_admin": m["is_admin"]} for m in members.values()]
        return jsonify({"members": rows})

    @app.get("/members/<username>")
    def card(username: str) -> Any:
        member = members.get(username)
        if member is None:
            return jsonify({"error": "no such member"}), 404
        return jsonify({"username": member["username"], "email": member["email"]})

    @app.put("/members/<username>/email")
    def change_email(username: str) -> Any:
        me = caller()
        email = (request.get_json(silent=True) or {}).get("email")
        if username not in members or (username != me and not vulnerable):
            return jsonify({"error": "no such member"}), 404
        if not isinstance(email, str) or "@" not in email:
            return jsonify({"error": "email is required"}), 400
        members[username]["email"] = email
        return "", 204

    @app.get("/bookings")
    def board() -> Any:
        return jsonify(
            {"bookings": [{"court": b["court"], "by": b["by"]} for b in bookings.values()]}
        )

    @app.post("/bookings")
    def book() -> Any:
        me = caller()
        body = request.get_json(silent=True) or {}
        court, memo = body.get("court"), body.get("memo")
        if not isinstance(court, str) or not isinstance(memo, str) or not court:
            return jsonify({"error": "court and memo are required"}), 400
        if court in bookings:
            return jsonify({"error": "already booked"}), 409
        bookings[court] = {"court": court, "memo": memo, "by": me}
        return jsonify({"status": "booked"}), 201

    @app.get("/bookings/<court>")
    def booking(court: str) -> Any:
        me = caller()
        found = bookings.get(court)
        if found is None or (not vulnerable and found["by"] != me):
            return jsonify({"error": "no such booking"}), 404
        return jsonify(found)

    return app


def identities(url: str) -> list[Identity]:
    return login(url, "/auth/login", "token")


def still_logs_in(url: str) -> bool:
    return can_log_in(url, "/auth/login")
