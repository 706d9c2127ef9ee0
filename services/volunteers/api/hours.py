"""Service hours: logged by members (or entered by coordinators), decided by coordinators."""

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
from services.volunteers.adapters.models import HOURS_SOURCES, HOURS_STATUSES, HoursEntry
from services.volunteers.api import Instant
from services.volunteers.config import config

blp = Blueprint("hours", __name__, url_prefix="/api/v1", description="Service hours")


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


class RejectIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))


@blp.post("/hours")
@require_auth
@blp.arguments(HoursIn)
@blp.response(201, HoursOut)
def log_hours(data: dict[str, Any]) -> HoursEntry:
    """Log service hours (pending until a coordinator approves them)"""
    return services.log_hours(session(), current_principal(), data, config())


@blp.get("/hours")
@require_auth
@blp.arguments(HoursQuery, location="query")
@blp.response(200, HoursPage)
def list_hours(args: dict[str, Any]) -> dict[str, Any]:
    """List hours: your own, or (coordinators) those in your scope; newest first"""
    principal = current_principal()
    query = sa.select(HoursEntry).order_by(HoursEntry.created_at.desc(), HoursEntry.id.desc())
    member_id = args["member_id"]
    if services.is_coordinator(principal) and member_id != principal.id:
        query = query.where(
            sa.or_(
                services.scope_filter(principal, HoursEntry.organization_id),
                HoursEntry.member_id == principal.id,
            )
        )
        if member_id:
            query = query.where(HoursEntry.member_id == member_id)
    else:
        if member_id and member_id != principal.id:
            raise Problem(403, "forbidden", "Only coordinators see other members' hours.")
        query = query.where(HoursEntry.member_id == principal.id)
    if args["status"]:
        query = query.where(HoursEntry.status == args["status"])
    if args["organization_id"]:
        query = query.where(HoursEntry.organization_id == args["organization_id"])
    return keyset_page(
        session(), query, args, HoursEntry.created_at, HoursEntry.id, descending=True
    )


@blp.get("/hours/<uuid:hours_id>")
@require_auth
@blp.response(200, HoursOut)
def get_hours(hours_id: uuid.UUID) -> HoursEntry:
    """One hours entry (its member or a coordinator in scope)"""
    db = session()
    entry = services.hours_or_404(db, hours_id)
    if not services.can_see_hours(db, current_principal(), entry):
        raise Problem(403, "out-of-scope", "These hours are not yours or in your scope.")
    return entry


@blp.post("/hours/<uuid:hours_id>/approve")
@require_roles("coordinator")
@blp.response(200, HoursOut)
def approve_hours(hours_id: uuid.UUID) -> HoursEntry:
    """Approve pending hours (coordinator in scope); emits hours.approved"""
    return services.approve_hours(session(), current_principal(), hours_id)


@blp.post("/hours/<uuid:hours_id>/reject")
@require_roles("coordinator")
@blp.arguments(RejectIn)
@blp.response(200, HoursOut)
def reject_hours(data: dict[str, Any], hours_id: uuid.UUID) -> HoursEntry:
    """Reject pending hours with a reason (coordinator in scope)"""
    return services.reject_hours(session(), current_principal(), hours_id, data["reason"])
