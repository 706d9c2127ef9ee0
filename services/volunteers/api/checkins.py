"""Stations' rotating check-in codes (shown as QR codes) and members' check-ins."""

from __future__ import annotations

import io
import uuid
from typing import Any

import segno
from flask import Response
from marshmallow import Schema, fields, post_load, validate

from common.app import redis_client, session
from common.auth import current_principal, require_auth, require_roles
from common.pagination import page_of
from common.transaction import transactional
from services.volunteers.adapters.models import Checkin
from services.volunteers.api import PageIn
from services.volunteers.api.routing import routes
from services.volunteers.config import config
from services.volunteers.usecases import checkins
from services.volunteers.usecases.checkins import qr_payload
from services.volunteers.usecases.paging import PageQuery

blp = routes("checkins", __name__, url_prefix="/api/v1", description="Station check-ins")


class CodeOut(Schema):
    station_id = fields.UUID()
    code = fields.String()
    short_code = fields.String(
        metadata={"description": "the same code as six digits, to type where a phone cannot scan"}
    )
    expires_at = fields.DateTime()
    qr_payload = fields.String(
        metadata={"description": "what the QR code holds: civic-checkin:<station_id>:<code>"}
    )
    qr_svg_url = fields.String()


class CheckinIn(Schema):
    station_id = fields.UUID(required=True)
    code = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={
            "description": "the station's code, its six digits as typed, or the whole scanned "
            "QR payload"
        },
    )
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lng = fields.Float(required=True, validate=validate.Range(min=-180, max=180))

    @post_load
    def _command(self, data: dict[str, Any], **_: Any) -> checkins.CheckIn:
        return checkins.CheckIn(**data)


class CheckinOut(Schema):
    id = fields.UUID()
    member_id = fields.UUID()
    station_id = fields.UUID()
    organization_id = fields.UUID()
    day = fields.Date()
    distance_m = fields.Float()
    created_at = fields.DateTime()


CheckinPage = page_of(CheckinOut)


@blp.get("/stations/<uuid:station_id>/code")
@require_roles("coordinator")
@blp.response(200, CodeOut)
def station_code(station_id: uuid.UUID) -> dict[str, Any]:
    """The station's current check-in code (coordinator in scope); it rotates every few minutes"""
    code = checkins.station_code(session(), current_principal(), station_id, config())
    return {
        "station_id": station_id,
        "code": code.code,
        "short_code": code.short_code,
        "expires_at": code.expires_at,
        "qr_payload": qr_payload(station_id, code.code),
        "qr_svg_url": f"/api/v1/stations/{station_id}/code.svg",
    }


@blp.get("/stations/<uuid:station_id>/code.svg")
@require_roles("coordinator")
@blp.response(200, content_type="image/svg+xml")
def station_code_svg(station_id: uuid.UUID) -> Response:
    """The station's current check-in code as a QR code (SVG), for the screen on its wall"""
    code = checkins.station_code(session(), current_principal(), station_id, config())
    out = io.BytesIO()
    segno.make(qr_payload(station_id, code.code), error="m").save(
        out, kind="svg", scale=8, border=2, title="Check-in code"
    )
    response = Response(out.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Code-Expires-At"] = code.expires_at.isoformat()
    return response


@blp.post("/checkins")
@require_auth
@transactional
@blp.arguments(CheckinIn)
@blp.response(201, CheckinOut)
def check_in(command: checkins.CheckIn) -> Checkin:
    """Check in at a station with its current code, from within its radius; once a day"""
    guesses = checkins.short_code_guesses(redis_client())
    return checkins.check_in(session(), current_principal(), command, config(), guesses)


@blp.get("/checkins")
@require_auth
@blp.arguments(PageIn, location="query")
@blp.response(200, CheckinPage)
def my_checkins(query: PageQuery) -> dict[str, Any]:
    """Your check-ins, newest first"""
    return checkins.my_checkins(session(), current_principal(), query)
