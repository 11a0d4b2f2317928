"""FastAPI helpdesk: creates fail if optional fields are filled with junk (an assignee id that
must exist, an attachment URL on one host); the id is only in the `Location` header. Vulnerable:
`GET /tickets/{ticket_id}` returns any ticket."""

import secrets
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from dynaguard.probe.engine.identities import Identity

from ._kit import static

EXPECTED = {("bola-read", "GET /tickets/{ticket_id}")}
TOKENS = {"alice": "hd-alice", "bob": "hd-bob", "dave": "hd-dave"}


class TicketIn(BaseModel):
    subject: str
    assignee_id: int | None = None
    attachment_url: str | None = None
    priority: int | None = None


def create_app(vulnerable: bool) -> FastAPI:
    app = FastAPI(title="helpdesk")
    tickets: dict[str, dict[str, Any]] = {}
    agents = {7, 8}
    bearer = HTTPBearer(auto_error=False)
    by_token = {token: name for name, token in TOKENS.items()}

    def user(creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
        if creds is None or creds.credentials not in by_token:
            raise HTTPException(401, "unauthorized")
        return by_token[creds.credentials]

    User = Annotated[str, Depends(user)]

    @app.post("/tickets", status_code=201)
    def open_ticket(body: TicketIn, response: Response, me: User) -> dict[str, str]:
        if body.assignee_id is not None and body.assignee_id not in agents:
            raise HTTPException(422, "unknown assignee")
        if body.attachment_url and not body.attachment_url.startswith(
            "https://files.helpdesk.test/"
        ):
            raise HTTPException(422, "attachments must be uploaded first")
        ticket_id = "T-" + secrets.token_hex(4)
        tickets[ticket_id] = {"reporter": me, **body.model_dump()}
        response.headers["Location"] = f"/tickets/{ticket_id}"
        return {"status": "created"}

    @app.get("/tickets/{ticket_id}")
    def read(ticket_id: str, me: User) -> dict[str, Any]:
        found = tickets.get(ticket_id)
        if found is None or (not vulnerable and found["reporter"] != me):
            raise HTTPException(404, "no such ticket")
        return found

    @app.delete("/tickets/{ticket_id}", status_code=204)
    def close(ticket_id: str, me: User) -> Response:
        found = tickets.get(ticket_id)
        if found is None or found["reporter"] != me:
            raise HTTPException(404, "no such ticket")
        del tickets[ticket_id]
        return Response(status_code=204)

    return app


def identities(url: str) -> list[Identity]:
    return static(TOKENS)
