"""Activities coordinators publish, and members' sign-ups."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response
from marshmallow import Schema, fields, post_load, validate

from common.app import session
from common.auth import current_principal, require_auth, require_roles
from common.pagination import PageArgs, page_of
from common.transaction import transactional
from services.volunteers.adapters.models import Activity, ActivitySignup
from services.volunteers.api import Instant
from services.volunteers.api.routing import routes
from services.volunteers.usecases import activities

blp = routes("activities", __name__, url_prefix="/api/v1", description="Activities")


class ActivityIn(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    organization_id = fields.UUID(required=True)
    starts_at = Instant(required=True)
    ends_at = Instant(required=True)
    capacity = fields.Integer(load_default=None, validate=validate.Range(min=1, max=100_000))
    location = fields.String(load_default="", validate=validate.Length(max=300))
    description = fields.String(load_default="", validate=validate.Length(max=5000))

    @post_load
    def _command(self, data: dict[str, Any], **_: Any) -> activities.NewActivity:
        return activities.NewActivity(**data)


class ActivityOut(Schema):
    id = fields.UUID()
    title = fields.String()
    organization_id = fields.UUID()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    capacity = fields.Integer(allow_none=True)
    signup_count = fields.Integer()
    places_left = fields.Method("_places_left", allow_none=True)
    location = fields.String()
    description = fields.String()
    created_by = fields.UUID()
    created_at = fields.DateTime()

    def _places_left(self, activity: Activity) -> int | None:
        if activity.capacity is None:
            return None
        return max(0, activity.capacity - activity.signup_count)


ActivityPage = page_of(ActivityOut)


class ActivityQuery(PageArgs):
    organization_id = fields.UUID(load_default=None)
    starts_after = Instant(load_default=None)

    @post_load
    def _query(self, data: dict[str, Any], **_: Any) -> activities.ActivityQuery:
        return activities.ActivityQuery(**data)


class SignupOut(Schema):
    activity_id = fields.UUID()
    member_id = fields.UUID()
    created_at = fields.DateTime()


@blp.post("/activities")
@require_roles("coordinator")
@transactional
@blp.arguments(ActivityIn)
@blp.response(201, ActivityOut)
def create_activity(command: activities.NewActivity) -> Activity:
    """Publish an activity (coordinator, in scope)"""
    return activities.create_activity(session(), current_principal(), command)


@blp.get("/activities")
@require_auth
@blp.arguments(ActivityQuery, location="query")
@blp.response(200, ActivityPage)
def list_activities(query: activities.ActivityQuery) -> dict[str, Any]:
    """List activities, soonest first"""
    return activities.list_activities(session(), query)


@blp.get("/activities/<uuid:activity_id>")
@require_auth
@blp.response(200, ActivityOut)
def get_activity(activity_id: uuid.UUID) -> Activity:
    """One activity"""
    return activities.activity_or_404(session(), activity_id)


@blp.post("/activities/<uuid:activity_id>/signups")
@require_auth
@transactional
@blp.response(201, SignupOut)
def sign_up(activity_id: uuid.UUID) -> ActivitySignup:
    """Sign up for an activity"""
    return activities.sign_up(session(), current_principal(), activity_id)


@blp.delete("/activities/<uuid:activity_id>/signups/me")
@require_auth
@transactional
@blp.response(204)
def cancel_signup(activity_id: uuid.UUID) -> Response:
    """Withdraw your sign-up"""
    activities.cancel_signup(session(), current_principal(), activity_id)
    return Response(status=204)
