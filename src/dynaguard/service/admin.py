"""`/org/admin/items`: org administrators see and remove items of their own org only. The org is
the admin's, from the token; an item of another org is simply not found."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from dynaguard.audit import log_admin_action
from dynaguard.fastapi import AdminPrincipal, ExactJSONRoute
from dynaguard.service.dependencies import OrgItems
from dynaguard.service.items import A_PAGE, ONE_ITEM, item_response, page_response

router = APIRouter(prefix="/org/admin/items", tags=["admin"], route_class=ExactJSONRoute)


@router.get(
    "",
    responses={**A_PAGE, 403: {"description": "not an org admin"}},
)
def admin_list_items(
    items: OrgItems,
    owner_id: Annotated[str | None, Query(max_length=128)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> JSONResponse:
    """Every item of the admin's org (tenant GSI), or one member's when `owner_id` is given."""
    return page_response(items.page(limit, cursor, owner_id))


@router.get(
    "/{item_id}",
    responses={
        **ONE_ITEM,
        403: {"description": "not an org admin"},
        404: {"description": "not in your org"},
    },
)
def admin_get_item(item_id: str, items: OrgItems) -> JSONResponse:
    """Any item of the admin's own org, by id (one Query of the org's index partition)."""
    return item_response(items.get(item_id))


@router.delete(
    "/{item_id}",
    status_code=204,
    responses={403: {"description": "not an org admin"}, 404: {"description": "not in your org"}},
)
def admin_delete_item(
    item_id: str, items: OrgItems, admin: AdminPrincipal, request: Request
) -> Response:
    """Removes a member's item; every successful removal writes one `admin_action` audit line."""
    items.delete(item_id)
    log_admin_action(request, admin.label, 204, "delete item")
    return Response(status_code=204)
