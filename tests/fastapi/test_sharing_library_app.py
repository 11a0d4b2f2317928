"""dynaguard as a library: the README's Note, shared in a few lines. The user's app declares the
sharing on the entity type and gets the owner's grant management and the grantee's view as
dependencies bound to the verified caller, with the same guarantees as the reference service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict

from dynaguard.auth import DevIssuer
from dynaguard.config import Settings
from dynaguard.fastapi import (
    attach_dynaguard,
    expected_version,
    grants_of_caller,
    owned_by_caller,
    shared_with_caller,
)
from dynaguard.store import (
    EntityType,
    OwnedCollection,
    OwnerGrants,
    SharedView,
    Sharing,
    Visibility,
)
from dynaguard.store.connection import dynamodb_client


# --- the user's code, as shown in the README ---------------------------------------------
class NoteFields(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str
    visibility: Visibility = "private"  # "org": every member of the owner's org may read it


class NoteEdit(BaseModel):  # what an editor may change
    model_config = ConfigDict(extra="forbid")
    text: str


NOTES = EntityType(
    kind="NOTE", fields=NoteFields, sharing=Sharing(max_grants=3, org_visibility=True)
)
Notes = Annotated[OwnedCollection[NoteFields], Depends(owned_by_caller(NOTES))]
NoteGrants = Annotated[OwnerGrants[NoteFields], Depends(grants_of_caller(NOTES))]
SharedNotes = Annotated[SharedView[NoteFields], Depends(shared_with_caller(NOTES))]


def build_notes_app(settings: Settings, client: Any) -> FastAPI:
    app = FastAPI()
    attach_dynaguard(app, settings, client)

    @app.post("/notes", status_code=201)
    def create_note(body: NoteFields, notes: Notes) -> dict[str, Any]:
        return notes.create(body).as_dict()

    @app.put("/notes/{note_id}/grants/{user_id}")
    def share_note(note_id: str, user_id: str, role: str, grants: NoteGrants) -> dict[str, str]:
        return grants.put(note_id, user_id, role).as_dict()  # owner only; else 404

    @app.get("/shared/notes/{owner_id}/{note_id}")
    def read_shared(owner_id: str, note_id: str, shared: SharedNotes) -> dict[str, Any]:
        return shared.get(owner_id, note_id).as_dict()  # viewer, editor, org member; else 404

    @app.patch("/shared/notes/{owner_id}/{note_id}")
    def edit_shared(
        owner_id: str,
        note_id: str,
        body: NoteEdit,
        shared: SharedNotes,
        if_match: str | None = None,
    ) -> dict[str, Any]:  # editors only: DynamoDB checks the grant in the write's condition
        changes = body.model_dump()
        return shared.update(owner_id, note_id, changes, expected_version(if_match)).as_dict()

    return app


# -------------------------------------------------------------------------------------------


def test_a_user_entity_is_shared_with_the_same_guarantees(settings: Settings) -> None:
    client = dynamodb_client(settings)
    calls: list[str] = []
    client.meta.events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name))
    issuer = DevIssuer.load_or_create(settings)

    def who(sub: str, org: str = "acme") -> dict[str, str]:
        return {"Authorization": f"Bearer {issuer.issue(sub, org)}"}

    with TestClient(build_notes_app(settings, client)) as http:
        note = http.post("/notes", json={"text": "draft"}, headers=who("alice")).json()
        share = f"/notes/{note['item_id']}/grants"
        shared = f"/shared/notes/alice/{note['item_id']}"
        assert http.put(f"{share}/bob?role=editor", headers=who("alice")).status_code == 200
        assert http.put(f"{share}/vera?role=viewer", headers=who("alice")).status_code == 200
        assert http.put(f"{share}/bob?role=editor", headers=who("bob")).status_code == 404
        assert http.put(f"{share}/alice?role=editor", headers=who("alice")).status_code == 422
        calls.clear()
        edited = http.patch(shared, json={"text": "bob was here"}, headers=who("bob"))
        assert edited.status_code == 200 and edited.json()["my_role"] == "editor"
        assert calls == ["UpdateItem"]
        assert http.get(shared, headers=who("vera")).json()["text"] == "bob was here"
        assert http.patch(shared, json={"text": "v"}, headers=who("vera")).status_code == 403
        for stranger in (who("mallory"), who("bob", "globex")):
            assert http.get(shared, headers=stranger).status_code == 404
            assert http.patch(shared, json={"text": "x"}, headers=stranger).status_code == 404
        assert (
            http.patch(
                shared, json={"text": "x", "visibility": "org"}, headers=who("bob")
            ).status_code
            == 422
        )
        assert http.put(f"{share}/carl?role=viewer", headers=who("alice")).status_code == 200
        assert http.put(f"{share}/dora?role=viewer", headers=who("alice")).status_code == 409
        assert http.get(shared, headers=who("bob")).json()["text"] == "bob was here"
