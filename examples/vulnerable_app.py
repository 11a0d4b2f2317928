"""The seed's naive routes, kept for contrast. DO NOT DEPLOY.

Same table, same tokens (a real `Principal`), but every object route trusts a client-supplied key
and writes without a condition: any authenticated caller can read any profile, and update or delete
any item, in any org (OWASP API1 BOLA). `dynaguard probe` and `dynaguard lint` find these holes;
the benchmarks measure the secure service against this code. Never served by `dynaguard serve`.

Storage, as a naive design would have it: profiles at `PROFILE#<user_id>`, items at
`ITEM#<item_id>`, and a GSI partition per owner for the list route."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Key
from fastapi import FastAPI, HTTPException, Response
from pydantic import BaseModel

from dynaguard.auth import build_verifier
from dynaguard.config import Settings
from dynaguard.fastapi import Principal
from dynaguard.store.connection import dynamodb_table_resource


class ProfileIn(BaseModel):
    email: str
    display_name: str


class ItemIn(BaseModel):
    name: str
    data: dict[str, Any] = {}


class ItemPatchIn(BaseModel):
    name: str | None = None
    data: dict[str, Any] | None = None


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _clean(item: dict[str, Any]) -> dict[str, Any]:
    hidden = {"pk", "sk", "gsi1pk", "gsi1sk"}
    return json.loads(json.dumps({k: v for k, v in item.items() if k not in hidden}, default=float))


def set_changes(payload: ItemPatchIn) -> dict[str, Any]:
    """`UpdateExpression` and its names and values for the fields a PATCH sets."""
    changes = payload.model_dump(exclude_none=True)
    changes["updated_at"] = _now()
    return {
        "UpdateExpression": "SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(changes))),
        "ExpressionAttributeNames": {f"#f{i}": name for i, name in enumerate(changes)},
        "ExpressionAttributeValues": {
            f":v{i}": json.loads(json.dumps(value), parse_float=Decimal)
            for i, value in enumerate(changes.values())
        },
    }


def new_app(settings: Settings) -> FastAPI:
    """A FastAPI app that trusts the same tokens as the secure service."""
    app = FastAPI(title="seed vulnerable app (do not deploy)")
    app.state.token_verifier = build_verifier(settings)
    return app


def add_shared_routes(app: FastAPI, table: Any) -> None:
    """Routes the seed gets right (key from the token) and the item create/list around them."""

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.put("/profiles/me")
    def put_my_profile(payload: ProfileIn, principal: Principal) -> dict[str, Any]:
        item = {
            "pk": f"PROFILE#{principal.sub}",
            "sk": "PROFILE",
            "user_id": principal.sub,
            "org_id": principal.org_id,
            **payload.model_dump(),
        }
        table.put_item(Item=item)
        return _clean(item)

    @app.get("/profiles/me")
    def get_my_profile(principal: Principal) -> dict[str, Any]:
        response = table.get_item(Key={"pk": f"PROFILE#{principal.sub}", "sk": "PROFILE"})
        if "Item" not in response:
            raise HTTPException(status_code=404, detail="Not found")
        return _clean(response["Item"])

    @app.post("/org/items", status_code=201)
    def create_item(payload: ItemIn, principal: Principal, response: Response) -> dict[str, Any]:
        item_id = str(uuid.uuid4())
        stamp = _now()
        item = {
            "pk": f"ITEM#{item_id}",
            "sk": "ITEM",
            "gsi1pk": f"OWNER#{principal.org_id}#{principal.sub}",
            "gsi1sk": f"ITEM#{stamp}#{item_id}",
            "item_id": item_id,
            "owner_id": principal.sub,
            "org_id": principal.org_id,
            "name": payload.name,
            "data": json.loads(json.dumps(payload.data), parse_float=Decimal),
            "version": 1,
            "created_at": stamp,
            "updated_at": stamp,
        }
        table.put_item(Item=item)
        response.headers["Location"] = f"/org/items/{item_id}"
        return _clean(item)

    @app.get("/org/items")
    def list_items(principal: Principal, limit: int = 20, cursor: str | None = None) -> Any:
        params: dict[str, Any] = {
            "IndexName": "gsi1",
            "KeyConditionExpression": Key("gsi1pk").eq(f"OWNER#{principal.org_id}#{principal.sub}"),
            "Limit": limit,
        }
        if cursor:
            params["ExclusiveStartKey"] = json.loads(base64.urlsafe_b64decode(cursor))
        page = table.query(**params)
        last = page.get("LastEvaluatedKey")
        next_cursor = base64.urlsafe_b64encode(json.dumps(last).encode()).decode() if last else None
        return {"items": [_clean(i) for i in page["Items"]], "next_cursor": next_cursor}


def add_naive_object_routes(app: FastAPI, table: Any) -> None:
    """The seed's holes: keys straight from the URL, writes without any condition."""

    @app.get("/profiles/{user_id}")
    def get_profile(user_id: str, principal: Principal) -> dict[str, Any]:
        response = table.get_item(Key={"pk": f"PROFILE#{user_id}", "sk": "PROFILE"})
        item = response.get("Item")
        if not item:
            raise HTTPException(status_code=404, detail="Not found")
        # Missing: ensure principal.sub == user_id
        return _clean(item)

    @app.get("/org/items/{item_id}")
    def get_item(item_id: str, principal: Principal) -> dict[str, Any]:
        response = table.get_item(Key={"pk": f"ITEM#{item_id}", "sk": "ITEM"})
        if "Item" not in response:
            raise HTTPException(status_code=404, detail="Not found")
        return _clean(response["Item"])

    @app.patch("/org/items/{item_id}")
    def patch_item(item_id: str, payload: ItemPatchIn, principal: Principal) -> dict[str, Any]:
        response = table.update_item(
            Key={"pk": f"ITEM#{item_id}", "sk": "ITEM"},
            ReturnValues="ALL_NEW",
            **set_changes(payload),
        )
        return _clean(response["Attributes"])

    @app.delete("/org/items/{item_id}", status_code=204)
    def delete_item(item_id: str, principal: Principal) -> Response:
        table.delete_item(Key={"pk": f"ITEM#{item_id}", "sk": "ITEM"})
        return Response(status_code=204)


def create_vulnerable_app(settings: Settings, client: Any) -> FastAPI:
    """The seed's vulnerable service on the same engine as `client` (its endpoint is reused)."""
    table = dynamodb_table_resource(settings, client.meta.endpoint_url)
    app = new_app(settings)
    add_shared_routes(app, table)
    add_naive_object_routes(app, table)
    return app
