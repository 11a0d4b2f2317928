"""FastAPI + sqlite in the shape of the FastAPI full-stack template: users and their items, a
superuser who may read, change and delete every user's items and accounts, `role` an enum
(`user` | `superuser`) on the admin's user update, a permission refusal answered 400 "Not enough
permissions" (as the template does), and a deleted account that still holds a valid token answers
404 "User not found". Probed with `--role admin=superuser`.

Vulnerable: `PATCH /users/{user_id}` lets any signed-in user change another user's profile fields
(only a role change is still reserved to the superuser), and `DELETE /users/{user_id}` forgot the
superuser check."""

import sqlite3
import threading
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from dynaguard.probe.engine.identities import Identity, build_identities

EXPECTED = {
    ("bola-write", "PATCH /api/v1/users/{user_id}"),
    ("bola-delete", "DELETE /api/v1/users/{user_id}"),
}
TOKENS = {"admin": "su-admin-token", "alice": "su-alice-token", "bob": "su-bob-token"}


class ItemIn(BaseModel):
    title: str
    description: str | None = None


class UserUpdate(BaseModel):
    full_name: str | None = None
    email: str | None = None
    role: Literal["user", "superuser"] | None = None


class UserUpdateMe(BaseModel):
    full_name: str | None = None


def create_app(vulnerable: bool) -> FastAPI:
    app = FastAPI(title="full-stack items")
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.row_factory = sqlite3.Row
    lock = threading.Lock()
    db.executescript(
        "create table user (id integer primary key, email text, full_name text, role text);"
        "create table item (id integer primary key, title text, description text, owner_id int);"
    )
    for name in TOKENS:
        role = "superuser" if name == "admin" else "user"
        db.execute(
            "insert into user (email, full_name, role) values (?, ?, ?)",
            (f"{name}@example.org", name.title(), role),
        )
    by_token = {token: index for index, token in enumerate(TOKENS.values(), start=1)}
    bearer = HTTPBearer(auto_error=False)

    def query(sql: str, *args: Any) -> list[dict[str, Any]]:
        with lock:
            rows = db.execute(sql, args).fetchall()
            db.commit()
        return [dict(row) for row in rows]

    def current(creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Any:
        if creds is None or creds.credentials not in by_token:
            raise HTTPException(401, "Could not validate credentials")
        found = query("select * from user where id = ?", by_token[creds.credentials])
        if not found:
            raise HTTPException(404, "User not found")
        return found[0]

    Me = Annotated[dict[str, Any], Depends(current)]

    def superuser(me: Me) -> dict[str, Any]:
        if me["role"] != "superuser":
            raise HTTPException(403, "The user doesn't have enough privileges")
        return me

    Super = Annotated[dict[str, Any], Depends(superuser)]

    def user_or_404(user_id: int) -> dict[str, Any]:
        found = query("select * from user where id = ?", user_id)
        if not found:
            raise HTTPException(404, "User not found")
        return found[0]

    def item_for(item_id: int, me: dict[str, Any]) -> dict[str, Any]:
        found = query("select * from item where id = ?", item_id)
        if not found:
            raise HTTPException(404, "Item not found")
        if me["role"] != "superuser" and found[0]["owner_id"] != me["id"]:
            raise HTTPException(400, "Not enough permissions")
        return found[0]

    @app.get("/api/v1/users/me")
    def read_me(me: Me) -> dict[str, Any]:
        return me

    @app.patch("/api/v1/users/me")
    def update_me(body: UserUpdateMe, me: Me) -> dict[str, Any]:
        if body.full_name is not None:
            query("update user set full_name = ? where id = ?", body.full_name, me["id"])
        return user_or_404(me["id"])

    @app.get("/api/v1/users/")
    def list_users(me: Super) -> dict[str, Any]:
        rows = query("select * from user")
        return {"data": rows, "count": len(rows)}

    @app.get("/api/v1/users/{user_id}")
    def read_user(user_id: int, me: Me) -> dict[str, Any]:
        user = user_or_404(user_id)
        if user["id"] != me["id"] and me["role"] != "superuser":
            raise HTTPException(403, "The user doesn't have enough privileges")
        return user

    @app.patch("/api/v1/users/{user_id}")
    def update_user(user_id: int, body: UserUpdate, me: Me) -> dict[str, Any]:
        user = user_or_404(user_id)
        allowed = me["role"] == "superuser" or (vulnerable and body.role is None)
        if not allowed:
            raise HTTPException(403, "The user doesn't have enough privileges")
        changes = body.model_dump(exclude_unset=True, exclude_none=True)
        for column, value in changes.items():
            query(f"update user set {column} = ? where id = ?", value, user["id"])
        return user_or_404(user_id)

    @app.delete("/api/v1/users/{user_id}")
    def delete_user(user_id: int, me: Me) -> dict[str, str]:
        user = user_or_404(user_id)
        if not vulnerable and me["role"] != "superuser":
            raise HTTPException(403, "The user doesn't have enough privileges")
        if user["id"] == me["id"]:
            raise HTTPException(403, "Super users are not allowed to delete themselves")
        query("delete from item where owner_id = ?", user["id"])
        query("delete from user where id = ?", user["id"])
        return {"message": "User deleted successfully"}

    @app.get("/api/v1/items/")
    def list_items(me: Me) -> dict[str, Any]:
        if me["role"] == "superuser":
            rows = query("select * from item")
        else:
            rows = query("select * from item where owner_id = ?", me["id"])
        return {"data": rows, "count": len(rows)}

    @app.post("/api/v1/items/")
    def create_item(body: ItemIn, me: Me) -> dict[str, Any]:
        with lock:
            cursor = db.execute(
                "insert into item (title, description, owner_id) values (?, ?, ?)",
                (body.title, body.description, me["id"]),
            )
            db.commit()
        return item_for(int(cursor.lastrowid or 0), me)

    @app.get("/api/v1/items/{id}")
    def read_item(id: int, me: Me) -> dict[str, Any]:
        return item_for(id, me)

    @app.put("/api/v1/items/{id}")
    def update_item(id: int, body: ItemIn, me: Me) -> dict[str, Any]:
        item = item_for(id, me)
        query(
            "update item set title = ?, description = ? where id = ?",
            body.title,
            body.description,
            item["id"],
        )
        return item_for(id, me)

    @app.delete("/api/v1/items/{id}")
    def delete_item(id: int, me: Me) -> dict[str, str]:
        item = item_for(id, me)
        query("delete from item where id = ?", item["id"])
        return {"message": "Item deleted successfully"}

    return app


def identities(url: str) -> list[Identity]:
    tokens = [f"{name}={token}" for name, token in TOKENS.items()]
    return build_identities(tokens, [], ["admin=superuser"], [])
