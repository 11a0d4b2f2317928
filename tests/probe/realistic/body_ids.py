"""FastAPI on sqlite: invoices are read through `POST /invoices/view` with the id only in the
request body. Vulnerable: the view looks the invoice up by id alone."""

import sqlite3
import threading
import uuid
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, Field

from dynaguard.probe.engine.identities import Identity

from ._kit import static

EXPECTED = {("bola-read", "POST /invoices/view")}
KEYS = {"alice": "ak_live_a1", "bob": "ak_live_b2", "dave": "ak_live_d3"}


class InvoiceIn(BaseModel):
    amount: int = Field(ge=1)
    memo: str


class Lookup(BaseModel):
    invoice_id: str


def create_app(vulnerable: bool) -> FastAPI:
    app = FastAPI(title="billing")
    db = sqlite3.connect(":memory:", check_same_thread=False)
    lock = threading.Lock()
    db.execute(
        "create table invoice (invoice_id text primary key, owner text, amount int, memo text)"
    )
    api_key = APIKeyHeader(name="X-API-Key", auto_error=False)
    owners = {key: name for name, key in KEYS.items()}

    def user(key: Annotated[str | None, Depends(api_key)]) -> str:
        if key not in owners:
            raise HTTPException(401, "missing or bad X-API-Key")
        return owners[key]

    User = Annotated[str, Depends(user)]

    def row(values: Any) -> dict[str, Any]:
        return dict(zip(("invoice_id", "amount", "memo"), values, strict=True))

    @app.post("/invoices", status_code=201)
    def create(body: InvoiceIn, me: User) -> dict[str, str]:
        invoice_id = f"inv_{uuid.uuid4().hex[:10]}"
        with lock:
            db.execute(
                "insert into invoice values (?, ?, ?, ?)", (invoice_id, me, body.amount, body.memo)
            )
        return {"invoice_id": invoice_id}

    @app.get("/invoices")
    def mine(me: User) -> list[dict[str, Any]]:
        with lock:
            rows = db.execute("select invoice_id, amount, memo from invoice where owner = ?", (me,))
            return [row(r) for r in rows.fetchall()]

    @app.post("/invoices/view")
    def view(body: Lookup, me: User) -> dict[str, Any]:
        query = "select invoice_id, amount, memo from invoice where invoice_id = ?"
        args: tuple[str, ...] = (body.invoice_id,)
        if not vulnerable:
            query, args = query + " and owner = ?", (body.invoice_id, me)
        with lock:
            found = db.execute(query, args).fetchone()
        if found is None:
            raise HTTPException(404, "invoice not found")
        return row(found)

    return app


def identities(url: str) -> list[Identity]:
    return static(KEYS)
