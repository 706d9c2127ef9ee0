"""Service hours: logged by members (or entered by coordinators), decided by coordinators."""

from __future__ import annotations

import uuid
from typing import Any

from marshmallow import Schema, fields, post_load, validate

from common.app import session
from common.auth import current_principal, require_auth, require_roles
from common.pagination import PageArgs, page_of
from common.transaction import transactional
from services.volunteers.adapters.models import HOURS_SOURCES, HOURS_STATUSES, HoursEntry
from services.volunteers.api import Instant
from services.volunteers.api.routing import routes
from services.volunteers.config import config
from services.volunteers.usecases import hours

blp = routes("hours", __name__, url_prefix="/api/v1", description="Service hours")


class HoursIn(Schema):
    organization_id = fields.UUID(load_default=None)
    activity_id = fields.UUID(load_default=None)
    started_at = Instant(required=True)
    ended_at = Instant(required=True)
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    member_id = fields.UUID(
        load_default=None,
        metadata={"description": "a coordinator entering hours for a member; omit for your own"},
    )

    @post_load
    def _command(self, data: dict[str, Any], **_: Any) -> hours.LogHours:
        return hours.LogHours(**data)


class HoursOut(Schema):
    id = fields.UUID()
    member_id = fields.UUID()
    organization_id = fields.UUID()
    activity_id = fields.UUID(allow_none=True)
    started_at = fields.DateTime()
    ended_at = fields.DateTime()
    minutes = fields.Integer()
    description = fields.String()
    source = fields.String(metadata={"enum": list(HOURS_SOURCES)})
    status = fields.String(metadata={"enum": list(HOURS_STATUSES)})
    entered_by = fields.UUID()
    decided_by = fields.UUID(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    reject_reason = fields.String(allow_none=True)
    created_at = fields.DateTime()


HoursPage = page_of(HoursOut)


class HoursQuery(PageArgs):
    status = fields.String(load_default=None, validate=validate.OneOf(HOURS_STATUSES))
    member_id = fields.UUID(load_default=None)
    organization_id = fields.UUID(load_default=None)
    # a coordinator clearing the hours of one activity (a clean-up day's attendance)
    activity_id = fields.UUID(load_default=None)

    @post_load
    def _query(self, data: dict[str, Any], **_: Any) -> hours.HoursQuery:
        return hours.HoursQuery(**data)


class RejectIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))

    @post_load
    def _rejection(self, data: dict[str, Any], **_: Any) -> hours.Rejection:
        return hours.Rejection(**data)


@blp.post("/hours")
@require_auth
@transactional
@blp.arguments(HoursIn)
@blp.response(201, HoursOut)
def log_hours(command: hours.LogHours) -> HoursEntry:
    """Log service hours (pending until a coordinator approves them)"""
    return hours.log_hours(session(), current_principal(), command, config())


@blp.get("/hours")
@require_auth
@blp.arguments(HoursQuery, location="query")
@blp.response(200, HoursPage)
def list_hours(query: hours.HoursQuery) -> dict[str, Any]:
    """List hours: your own, or (coordinators) those in your scope; newest first"""
    return hours.list_hours(session(), current_principal(), query)


@blp.get("/hours/<uuid:hours_id>")
@require_auth
@blp.response(200, HoursOut)
def get_hours(hours_id: uuid.UUID) -> HoursEntry:
    """One hours entry (its member or a coordinator in scope)"""
    return hours.visible_hours(session(), current_principal(), hours_id)


@blp.post("/hours/<uuid:hours_id>/approve")
@require_roles("coordinator")
@transactional
@blp.response(200, HoursOut)
def approve_hours(hours_id: uuid.UUID) -> HoursEntry:
    """Approve pending hours (coordinator in scope, not who entered them); emits hours.approved"""
    return hours.approve_hours(session(), current_principal(), hours_id, config())


@blp.post("/hours/<uuid:hours_id>/reject")
@require_roles("coordinator")
@transactional
@blp.arguments(RejectIn)
@blp.response(200, HoursOut)
def reject_hours(rejection: hours.Rejection, hours_id: uuid.UUID) -> HoursEntry:
    """Reject pending hours with a reason (coordinator in scope)"""
    return hours.reject_hours(session(), current_principal(), hours_id, rejection)
