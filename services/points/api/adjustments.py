"""Admins' adjustments, and the second admin's approval of the large ones."""

# flask-smorest ships no type hints: its decorators are untyped, the views are not
# mypy: disable-error-code="untyped-decorator"

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, current_app, make_response, request
from flask_smorest import Blueprint

from common.app import session
from common.auth import current_principal, require_roles
from common.idempotency import idempotent, request_fingerprint
from common.transaction import transactional
from services.points.adapters.models import AdjustmentRequest, plumbing
from services.points.api.schemas import (
    AdjustmentIn,
    AdjustmentQuery,
    AdjustmentRequestPage,
    AdjustmentRequestSchema,
    ApprovalSchema,
    BalanceSchema,
    RejectionIn,
)
from services.points.config import PointsConfig
from services.points.usecases import accounts, approvals
from services.points.usecases.accounts import Adjustment, Balance
from services.points.usecases.approvals import Approval, Rejection

blp = Blueprint(
    "adjustments", __name__, url_prefix="/api/v1/points/adjustments", description="Adjustments"
)


def config() -> PointsConfig:
    value: PointsConfig = current_app.extensions["points_config"]
    return value


@blp.post("")
@require_roles("admin")
@idempotent(lambda: plumbing.idempotency_keys, session)
@blp.arguments(AdjustmentIn)
@blp.response(201, BalanceSchema)
@blp.alt_response(
    202,
    schema=AdjustmentRequestSchema,
    description="above POINTS_ADJUSTMENT_APPROVAL_ABOVE or to the admin's own account: "
    "pending until a second admin approves it",
)
def adjust(adjustment: Adjustment) -> Balance | Response:
    """Add or take points by hand (admin; needs an Idempotency-Key)"""
    actor = current_principal().id
    if approvals.needs_second_admin(config(), adjustment, actor):
        # the one view with two success statuses: the adjustment did not happen yet
        pending = approvals.request(session(), adjustment, actor)
        return make_response(AdjustmentRequestSchema().dump(pending), 202)
    return accounts.adjust(
        session(),
        config(),
        adjustment,
        actor=actor,
        idempotency_key=request.headers.get("Idempotency-Key", "").strip(),
        fingerprint=request_fingerprint(),
    )


@blp.get("")
@require_roles("admin")
@blp.arguments(AdjustmentQuery, location="query")
@blp.response(200, AdjustmentRequestPage)
def list_requests(args: dict[str, Any]) -> dict[str, Any]:
    """Adjustments that waited for a second admin, oldest first (admin)"""
    return approvals.listed(session(), args["status"], args)


@blp.post("/<uuid:request_id>/approve")
@require_roles("admin")
@transactional
@blp.response(200, ApprovalSchema)
def approve(request_id: uuid.UUID) -> Approval:
    """Approve a pending adjustment: it is posted now (another admin than its requester)"""
    return approvals.approve(session(), config(), request_id, actor=current_principal().id)


@blp.post("/<uuid:request_id>/reject")
@require_roles("admin")
@transactional
@blp.arguments(RejectionIn)
@blp.response(200, AdjustmentRequestSchema)
def reject(rejection: Rejection, request_id: uuid.UUID) -> AdjustmentRequest:
    """Refuse a pending adjustment; nothing moves"""
    return approvals.reject(session(), request_id, rejection, actor=current_principal().id)
