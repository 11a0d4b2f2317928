"""The seed's own remediation, as the seed writes it: object routes re-fetch the item, compare the
owner in Python, then write with a `ConditionExpression` on the owner. Correct, but two DynamoDB
requests per write. The benchmarks compare the secure service's one-request writes with this."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Attr
from botocore.exceptions import ClientError
from fastapi import FastAPI, HTTPException, Response

from dynaguard.auth import VerifiedPrincipal
from dynaguard.config import Settings
from dynaguard.fastapi import Principal
from dynaguard.store.connection import dynamodb_table_resource
from examples.vulnerable_app import ItemPatchIn, _clean, add_shared_routes, new_app, set_changes


def add_remediated_object_routes(app: FastAPI, table: Any) -> None:
    """Ownership checked in Python after a read, and restated in the write's condition."""

    def owned_item(item_id: str, principal: VerifiedPrincipal) -> dict[str, Any]:
        item = table.get_item(Key={"pk": f"ITEM#{item_id}", "sk": "ITEM"}).get("Item")
        if not item or item["owner_id"] != principal.sub or item["org_id"] != principal.org_id:
            raise HTTPException(status_code=404, detail="Not found or access denied")
        return dict(item)

    @app.get("/profiles/{user_id}")
    def get_profile(user_id: str, principal: Principal) -> dict[str, Any]:
        if user_id != principal.sub:
            raise HTTPException(status_code=404, detail="Not found or access denied")
        item = table.get_item(Key={"pk": f"PROFILE#{user_id}", "sk": "PROFILE"}).get("Item")
        if not item:
            raise HTTPException(status_code=404, detail="Not found or access denied")
        return _clean(item)

    @app.get("/org/items/{item_id}")
    def get_item(item_id: str, principal: Principal) -> dict[str, Any]:
        return _clean(owned_item(item_id, principal))

    @app.patch("/org/items/{item_id}")
    def patch_item(item_id: str, payload: ItemPatchIn, principal: Principal) -> dict[str, Any]:
        owned_item(item_id, principal)
        try:
            response = table.update_item(
                Key={"pk": f"ITEM#{item_id}", "sk": "ITEM"},
                ConditionExpression=Attr("owner_id").eq(principal.sub),
                ReturnValues="ALL_NEW",
                **set_changes(payload),
            )
        except ClientError:
            raise HTTPException(status_code=404, detail="Not found or access denied") from None
        return _clean(response["Attributes"])

    @app.delete("/org/items/{item_id}", status_code=204)
    def delete_item(item_id: str, principal: Principal) -> Response:
        owned_item(item_id, principal)
        try:
            table.delete_item(
                Key={"pk": f"ITEM#{item_id}", "sk": "ITEM"},
                ConditionExpression=Attr("owner_id").eq(principal.sub),
            )
        except ClientError:
            raise HTTPException(status_code=404, detail="Not found or access denied") from None
        return Response(status_code=204)


def create_seed_remediation_app(settings: Settings, client: Any) -> FastAPI:
    """The seed's remediated service on the same engine as `client`."""
    table = dynamodb_table_resource(settings, client.meta.endpoint_url)
    app = new_app(settings)
    add_shared_routes(app, table)
    add_remediated_object_routes(app, table)
    return app
