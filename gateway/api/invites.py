"""Invite codes for registration drives (coordinators and admins)."""

from __future__ import annotations

from flask import Response
from flask_smorest import Blueprint

from common.app import session
from common.auth import current_principal, require_roles
from common.qr import qr_svg
from common.transaction import transactional
from gateway.adapters.models import Invite
from gateway.api.schemas import InviteIn, InviteSchema
from gateway.usecases import invites
from gateway.usecases.invites import NewInvite

blp = Blueprint(
    "invites", __name__, url_prefix="/api/v1/auth/invites", description="Registration drives"
)


@blp.post("")
@require_roles("coordinator")
@blp.arguments(InviteIn)
@blp.response(201, InviteSchema)
@transactional
def create(invite: NewInvite) -> Invite:
    """A code that lets `uses` registrations past the per-address limit until it expires"""
    return invites.create(session(), invite, current_principal())


@blp.get("/<string:code>/qr.svg")
@require_roles("coordinator")
@blp.response(200, content_type="image/svg+xml")
def qr(code: str) -> Response:
    """The code as a QR code to print (its maker, or an admin)"""
    found = invites.find(session(), code, current_principal())
    return Response(qr_svg(found.code), mimetype="image/svg+xml")
