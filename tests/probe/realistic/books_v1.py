"""Flask in the shape of versioned training APIs: `/users/v1/login` issues a JWT whose `sub` is
the username, books are addressed by their posted title (`/books/v1/{book_title}`), the public
book list declares no security, `/createdb` rebuilds the database and a password route exists.
Vulnerable: any signed-in user reads any book's secret."""

from __future__ import annotations

import base64
import json
from typing import Any

from flask import Flask, abort, jsonify, request

from dynaguard.probe.engine.identities import Identity

from ._kit import PEOPLE, STR, can_log_in, login, obj, op, path_param, spec

EXPECTED = {("bola-read", "GET /books/v1/{book_title}")}


def _jwt(sub: str) -> str:
    body = base64.urlsafe_b64encode(json.dumps({"sub": sub}).encode()).decode().rstrip("=")
    return f"eyJhbGciOiJIUzI1NiJ9.{body}.sig"


def create_app(vulnerable: bool) -> Flask:
    app = Flask("books_v1")
    app.config["resets"] = 0
    passwords = dict(PEOPLE)
    books: dict[str, dict[str, str]] = {}

    def caller() -> str:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        for name in passwords:
            if token == _jwt(name):
                return name
        abort(401)

    @app.get("/openapi.json")
    def openapi() -> Any:
        creds = obj(["username", "password"], username=STR, password=STR)
        paths = {
            "/createdb": {"get": op("rebuild the database", secured=False)},
            "/users/v1/login": {"post": op("log in", secured=False, body=creds)},
            "/users/v1/{username}/password": {
                "put": op(
                    "change password",
                    params=[path_param("username")],
                    body=obj(["password"], password=STR),
                )
            },
            "/books/v1": {
                "get": op("all book titles", secured=False),
                "post": op(
                    "add a book", body=obj(["book_title", "secret"], book_title=STR, secret=STR)
                ),
            },
            "/books/v1/{book_title}": {
                "get": op("a book and its secret", params=[path_param("book_title")])
            },
        }
        return jsonify(spec("books", paths, {"type": "http", "scheme": "bearer"}))

    @app.get("/createdb")
    def createdb() -> Any:
        app.config["resets"] += 1
        books.clear()
        return jsonify({"message": "Database populated."})

    @app.post("/users/v1/login")
    def do_login() -> Any:
        body = request.get_json(silent=True) or {}
        if passwords.get(str(body.get("username"))) != body.get("password"):
            return jsonify({"status": "fail"}), 401
        return jsonify({"auth_token": _jwt(str(body["username"])), "status": "success"})

    @app.put("/users/v1/<username>/password")
    def password(username: str) -> Any:
        passwords[username] = str((request.get_json(silent=True) or {}).get("password"))
        return "", 204

    @app.get("/books/v1")
    def titles() -> Any:
        return jsonify({"Books": [{"book_title": "The Reader", "user": "admin"}]})

    @app.post("/books/v1")
    def add() -> Any:
        me = caller()
        body = request.get_json(silent=True) or {}
        title = str(body.get("book_title", ""))
        if not title or title in books:
            return jsonify({"status": "fail", "message": "Book already exists"}), 400
        books[title] = {"book_title": title, "secret": str(body.get("secret")), "owner": me}
        return jsonify({"message": "Book has been added.", "status": "success"})

    @app.get("/books/v1/<book_title>")
    def read(book_title: str) -> Any:
        me = caller()
        book = books.get(book_title)
        if book is None or (not vulnerable and book["owner"] != me):
            return jsonify({"status": "fail", "message": "Book not found!"}), 404
        return jsonify(book)

    return app


def identities(url: str) -> list[Identity]:
    return login(url, "/users/v1/login", "auth_token")


def still_logs_in(url: str) -> bool:
    return can_log_in(url, "/users/v1/login")
