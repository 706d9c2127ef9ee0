"""Members' profiles and party members' registration."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from common.app import session
from common.auth import current_principal, require_auth, require_roles
from common.pagination import PageArgs, keyset_page, page_of
from common.problems import Problem
from services.volunteers import services
from services.volunteers.adapters.models import Member

blp = Blueprint("members", __name__, url_prefix="/api/v1", description="Members' profiles")


class RiderIn(Schema):
    platform = fields.String(required=True, validate=validate.Length(min=1, max=100))
    rider_id = fields.String(required=True, validate=validate.Length(min=1, max=100))


class ProfileIn(Schema):
    display_name = fields.String(validate=validate.Length(min=1, max=200))
    home_community_id = fields.UUID(allow_none=True)
    rider = fields.Nested(RiderIn, allow_none=True)


class RiderOut(Schema):
    platform = fields.String()
    rider_id = fields.String()


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


class PartyIn(Schema):
    branch = fields.String(required=True, validate=validate.Length(min=1, max=200))
    community_id = fields.UUID(required=True)


def profile_view(member: Member) -> dict[str, Any]:
    return {
        "id": member.id,
        "display_name": member.display_name,
        "home_community_id": member.home_community_id,
        "rider": (
            {"platform": member.rider_platform, "rider_id": member.rider_number}
            if member.rider_platform
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
@blp.response(200, ProfileOut)
def my_profile() -> dict[str, Any]:
    """Your profile (created on first use)"""
    db = session()
    member = services.ensure_member(db, current_principal())
    db.commit()
    return profile_view(member)


@blp.put("/me/profile")
@require_auth
@blp.arguments(ProfileIn)
@blp.response(200, ProfileOut)
def update_my_profile(data: dict[str, Any]) -> dict[str, Any]:
    """Change your display name, home community or rider details"""
    member = services.update_profile(session(), current_principal(), data)
    return profile_view(member)


@blp.get("/members")
@require_roles("coordinator")
@blp.arguments(MemberQuery, location="query")
@blp.response(200, ProfilePage)
def list_members(args: dict[str, Any]) -> dict[str, Any]:
    """Members whose home or party community is in your scope (coordinator), by name"""
    principal = current_principal()
    query = (
        sa.select(Member)
        .where(
            services.scope_filter(principal, Member.home_community_id, Member.party_community_id)
        )
        .order_by(Member.display_name, Member.id)
    )
    if args["q"]:
        escaped = args["q"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Member.display_name.ilike(f"%{escaped}%", escape="\\"))
    if args["community_id"]:
        query = query.where(
            sa.or_(
                Member.home_community_id == args["community_id"],
                Member.party_community_id == args["community_id"],
            )
        )
    result = keyset_page(session(), query, args, Member.display_name, Member.id)
    result["items"] = [profile_view(m) for m in result["items"]]
    return result


@blp.get("/members/<uuid:member_id>")
@require_roles("coordinator")
@blp.response(200, ProfileOut)
def get_member(member_id: uuid.UUID) -> dict[str, Any]:
    """A member's profile (coordinator in scope)"""
    return profile_view(services.member_in_scope_or_404(session(), current_principal(), member_id))


@blp.post("/party/registration")
@require_auth
@blp.arguments(PartyIn)
@blp.response(201, ProfileOut)
def register_party_member(data: dict[str, Any]) -> dict[str, Any]:
    """Register once, as a party member, with the community you report to"""
    member = services.register_party_member(session(), current_principal(), data)
    return profile_view(member)


@blp.get("/party/registration")
@require_auth
@blp.response(200, PartyOut)
def my_party_registration() -> dict[str, Any]:
    """Your party-member registration"""
    member = session().get(Member, current_principal().id)
    if member is None or member.party_registered_at is None:
        raise Problem(404, "not-found", "You have not registered as a party member.")
    return {
        "branch": member.party_branch,
        "community_id": member.party_community_id,
        "registered_at": member.party_registered_at,
    }
