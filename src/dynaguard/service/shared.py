"""`/shared`: items other members of the caller's org shared with the caller. Keys are built from
the caller's org plus the owner and item ids of the path; the item's own grant map decides."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from dynaguard.fastapi import (
    PRECONDITION_REQUIRED,
    ExactJSONResponse,
    ExactJSONRoute,
    required_version,
)
from dynaguard.service.dependencies import SharedItems
from dynaguard.service.items import IfMatch
from dynaguard.service.models import ItemFields, SharedItem, SharedItemPage, SharedItemPatch
from dynaguard.store import SharedPage, SharedRecord

router = APIRouter(prefix="/shared", tags=["sharing"], route_class=ExactJSONRoute)

_ONE: dict[int | str, dict[str, Any]] = {
    200: {"model": SharedItem, "description": "the item and your role on it"},
    404: {"description": "missing, or not shared with you (indistinguishable)"},
}
_PAGE: dict[int | str, dict[str, Any]] = {
    200: {"model": SharedItemPage, "description": "one page (may hold fewer than `limit`)"},
    400: {"description": "invalid cursor"},
}
Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(description="next_cursor of the previous page")]


def _one(shared: SharedRecord[ItemFields]) -> JSONResponse:
    return ExactJSONResponse(shared.as_dict(), headers={"ETag": shared.etag})


def _page(page: SharedPage[ItemFields]) -> JSONResponse:
    items = [shared.as_dict() for shared in page.records]
    return ExactJSONResponse({"items": items, "next_cursor": page.next_cursor})


@router.get("/items", responses=_PAGE)
def list_shared_items(
    shared: SharedItems, limit: Limit = 20, cursor: Cursor = None
) -> JSONResponse:
    """Items shared with you directly, each with `owner_id` and `my_role`."""
    return _page(shared.page(limit, cursor))


@router.get("/org-items", responses=_PAGE)
def list_org_items(shared: SharedItems, limit: Limit = 20, cursor: Cursor = None) -> JSONResponse:
    """Items of your org that their owners made visible to the whole org."""
    return _page(shared.org_page(limit, cursor))


@router.get("/items/{owner_id}/{item_id}", responses=_ONE)
def get_shared_item(owner_id: str, item_id: str, shared: SharedItems) -> JSONResponse:
    return _one(shared.get(owner_id, item_id))


@router.patch(
    "/items/{owner_id}/{item_id}",
    responses={
        **_ONE,
        403: {"description": "shared with you read-only"},
        412: {"description": "If-Match does not match the current version"},
        **PRECONDITION_REQUIRED,
    },
)
def patch_shared_item(
    request: Request,
    owner_id: str,
    item_id: str,
    payload: SharedItemPatch,
    shared: SharedItems,
    if_match: IfMatch = None,
) -> JSONResponse:
    """Editors only: one UpdateItem whose condition re-states your grant (and the version).
    With `DYNAGUARD_REQUIRE_IF_MATCH`, no If-Match (or `*`) is a 428, as on the owner's PATCH."""
    version = required_version(request, if_match)
    return _one(shared.update(owner_id, item_id, payload.changes(), version))
