"""`/profiles`: the seed's `/profiles/me`, keyed by the token's subject, and a member lookup that
only the member themself or an admin of the same org can use."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from dynaguard.audit import log_admin_action
from dynaguard.fastapi import Principal
from dynaguard.service.dependencies import MyProfiles
from dynaguard.service.models import Profile, ProfileFields
from dynaguard.store import ProfileRecord

router = APIRouter(prefix="/profiles", tags=["profiles"])

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "no profile, or not yours to see"}
}


def _profile(record: ProfileRecord[ProfileFields]) -> Profile:
    return Profile.model_validate(record.as_dict())


@router.get("/me", response_model=Profile, responses=_NOT_FOUND)
def get_my_profile(profiles: MyProfiles) -> Profile:
    return _profile(profiles.get_own())


@router.put("/me", response_model=Profile)
def put_my_profile(payload: ProfileFields, profiles: MyProfiles) -> Profile:
    """Create or replace; `user_id` and `org_id` come from the token, never the body."""
    return _profile(profiles.put_own(payload))


@router.delete("/me", status_code=204, responses=_NOT_FOUND)
def delete_my_profile(profiles: MyProfiles) -> Response:
    profiles.delete_own()
    return Response(status_code=204)


@router.get("/{user_id}", response_model=Profile, responses=_NOT_FOUND)
def get_profile(
    user_id: str, profiles: MyProfiles, principal: Principal, request: Request
) -> Profile:
    """The seed's vulnerable route, fixed: self, or an admin of the caller's own org; else 404.
    An admin's read of another member's profile writes one `admin_action` audit line."""
    record = _profile(profiles.get_member(user_id))
    if user_id != principal.sub:
        log_admin_action(request, principal.label, 200, "read member profile")
    return record
