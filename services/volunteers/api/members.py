"""Members' profiles and party members' registration."""

from __future__ import annotations

import uuid
from typing import Any

from marshmallow import Schema, fields, post_load, validate

from common.app import session
from common.auth import current_principal, require_auth, require_roles
from common.pagination import PageArgs, page_of
from common.transaction import transactional
from services.volunteers.adapters.models import Member
from services.volunteers.api.routing import routes
from services.volunteers.domain.masking import mask_id_number
from services.volunteers.usecases import members

blp = routes("members", __name__, url_prefix="/api/v1", description="Members' profiles")


class RiderIn(Schema):
    platform = fields.String(required=True, validate=validate.Length(min=1, max=100))
    rider_id = fields.String(required=True, validate=validate.Length(min=1, max=100))

    @post_load
    def _rider(self, data: dict[str, Any], **_: Any) -> members.Rider:
        return members.Rider(**data)


class ProfileIn(Schema):
    display_name = fields.String(validate=validate.Length(min=1, max=200))
    home_community_id = fields.UUID(allow_none=True)
    rider = fields.Nested(RiderIn, allow_none=True)

    @post_load
    def _change(self, data: dict[str, Any], **_: Any) -> members.ProfileChange:
        # only the fields sent change; the others stay as they are
        return members.ProfileChange(**data)


class RiderOut(Schema):
    platform = fields.String()
    rider_id = fields.String(
        metadata={"description": "masked in every view: e.g. ********6677 (domain/masking.py)"}
    )


class PartyOut(Schema):
    branch = fields.String()
    community_id = fields.UUID()
    registered_at = fields.DateTime()


class ProfileOut(Schema):
    id = fields.UUID()
    display_name = fields.String()
    home_community_id = fields.UUID(allow_none=True)
    rider = fields.Nested(RiderOut, allow_none=True)
    party = fields.Nested(PartyOut, allow_none=True)
    created_at = fields.DateTime()


ProfilePage = page_of(ProfileOut)


class MemberQuery(PageArgs):
    q = fields.String(load_default=None, validate=validate.Length(min=1, max=100))
    community_id = fields.UUID(load_default=None)

    @post_load
    def _query(self, data: dict[str, Any], **_: Any) -> members.MemberQuery:
        return members.MemberQuery(**data)


class PartyIn(Schema):
    branch = fields.String(required=True, validate=validate.Length(min=1, max=200))
    community_id = fields.UUID(required=True)

    @post_load
    def _registration(self, data: dict[str, Any], **_: Any) -> members.PartyRegistration:
        return members.PartyRegistration(**data)


def profile_view(member: Member) -> dict[str, Any]:
    return {
        "id": member.id,
        "display_name": member.display_name,
        "home_community_id": member.home_community_id,
        "rider": (
            {"platform": member.rider_platform, "rider_id": mask_id_number(member.rider_number)}
            if member.rider_platform and member.rider_number
            else None
        ),
        "party": (
            {
                "branch": member.party_branch,
                "community_id": member.party_community_id,
                "registered_at": member.party_registered_at,
            }
            if member.party_registered_at
            else None
        ),
        "created_at": member.created_at,
    }


@blp.get("/me/profile")
@require_auth
@transactional
@blp.response(200, ProfileOut)
def my_profile() -> dict[str, Any]:
    """Your profile (created on first use)"""
    return profile_view(members.ensure_member(session(), current_principal()))


@blp.put("/me/profile")
@require_auth
@transactional
@blp.arguments(ProfileIn)
@blp.response(200, ProfileOut)
def update_my_profile(change: members.ProfileChange) -> dict[str, Any]:
    """Change your display name, home community or rider details"""
    return profile_view(members.update_profile(session(), current_principal(), change))


@blp.get("/members")
@require_roles("coordinator")
@blp.arguments(MemberQuery, location="query")
@blp.response(200, ProfilePage)
def list_members(query: members.MemberQuery) -> dict[str, Any]:
    """Members whose home or party community is in your scope (coordinator), by name"""
    result = members.list_members(session(), current_principal(), query)
    result["items"] = [profile_view(m) for m in result["items"]]
    return result


@blp.get("/members/<uuid:member_id>")
@require_roles("coordinator")
@blp.response(200, ProfileOut)
def get_member(member_id: uuid.UUID) -> dict[str, Any]:
    """A member's profile (coordinator in scope)"""
    return profile_view(members.member_in_scope(session(), current_principal(), member_id))


@blp.post("/party/registration")
@require_auth
@transactional
@blp.arguments(PartyIn)
@blp.response(201, ProfileOut)
def register_party_member(registration: members.PartyRegistration) -> dict[str, Any]:
    """Register once, as a party member, with the community you report to"""
    member = members.register_party_member(session(), current_principal(), registration)
    return profile_view(member)


@blp.get("/party/registration")
@require_auth
@blp.response(200, PartyOut)
def my_party_registration() -> dict[str, Any]:
    """Your party-member registration"""
    member = members.party_registration(session(), current_principal())
    return {
        "branch": member.party_branch,
        "community_id": member.party_community_id,
        "registered_at": member.party_registered_at,
    }
