"""dynaguard as a library: a user's own FastAPI app declares a new entity type in about twenty lines
and gets the same guarantees as the reference service (owner-only, 404 for foreign ids, no
client-set owner fields, one DynamoDB request per operation)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict

from dynaguard.auth import DevIssuer
from dynaguard.config import Settings
from dynaguard.fastapi import attach_dynaguard, owned_by_caller
from dynaguard.store import EntityType, OwnedCollection
from dynaguard.store.connection import dynamodb_client


# --- the user's code, as shown in the README ---------------------------------------------
class NoteFields(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str


NOTES = EntityType(kind="NOTE", fields=NoteFields)
Notes = Annotated[OwnedCollection[NoteFields], Depends(owned_by_caller(NOTES))]


def build_notes_app(settings: Settings, client: Any) -> FastAPI:
    app = FastAPI()
    attach_dynaguard(app, settings, client)

    @app.post("/notes", status_code=201)
    def create_note(body: NoteFields, notes: Notes) -> dict[str, Any]:
        return notes.create(body).as_dict()

    @app.get("/notes/{note_id}")
    def read_note(note_id: str, notes: Notes) -> dict[str, Any]:
        return notes.get(note_id).as_dict()

    @app.get("/notes")
    def list_notes(notes: Notes, cursor: str | None = None) -> dict[str, Any]:
        page = notes.page(limit=50, cursor=cursor)
        return {"notes": [r.as_dict() for r in page.records], "next": page.next_cursor}

    return app


# -------------------------------------------------------------------------------------------


def test_a_user_entity_gets_the_same_guarantees(settings: Settings) -> None:
    client = dynamodb_client(settings)
    calls: list[str] = []
    client.meta.events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name))
    issuer = DevIssuer.load_or_create(settings)
    alice = {"Authorization": f"Bearer {issuer.issue('alice', 'acme')}"}
    bob = {"Authorization": f"Bearer {issuer.issue('bob', 'acme')}"}
    with TestClient(build_notes_app(settings, client)) as http:
        created = http.post("/notes", json={"text": "alice's note"}, headers=alice)
        assert created.status_code == 201
        note = created.json()
        assert (note["owner_id"], note["org_id"]) == ("alice", "acme")
        calls.clear()
        assert http.get(f"/notes/{note['item_id']}", headers=alice).json() == note
        assert calls == ["GetItem"]
        foreign = http.get(f"/notes/{note['item_id']}", headers=bob)
        assert foreign.status_code == 404
        assert foreign.json() == {"detail": "Not Found"}
        assert http.get("/notes", headers=bob).json()["notes"] == []
        assert http.get(f"/notes/{note['item_id']}").status_code == 401
        spoof = http.post("/notes", json={"text": "x", "owner_id": "alice"}, headers=bob)
        assert spoof.status_code == 422
        assert [n["text"] for n in http.get("/notes", headers=alice).json()["notes"]] == [
            "alice's note"
        ]
