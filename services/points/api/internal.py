"""Holds for the other services of the suite: /internal/v1/points/..., never routed by the gateway.

Every call needs ``Authorization: Service <INTERNAL_API_TOKEN>``. Placing a hold
needs an ``Idempotency-Key``: the same key and body replay the first answer,
another body is a 422, and a key whose first request is still running is a 409.
Capture and release are idempotent by nature: a hold ends once, and asking
again for the same ending answers with the hold as it ended.
"""

# flask-smorest ships no type hints: its decorators are untyped, the views are not

from __future__ import annotations

import hashlib
import uuid

from flask import Response, json, request
from flask_smorest import Blueprint

from common.app import session
from common.auth import require_service
from common.errors import Malformed
from common.transaction import transactional
from services.points.api.balances import config
from services.points.api.schemas import BalanceSchema, HoldIn, HoldResult
from services.points.domain import holds as hold_rules
from services.points.usecases import accounts, holds
from services.points.usecases.accounts import Balance
from services.points.usecases.holds import HoldRequest, HoldState

blp = Blueprint(
    "internal", __name__, url_prefix="/internal/v1/points", description="Holds (internal)"
)

MAX_KEY_LENGTH = 200


@blp.post("/holds")
@require_service
@transactional
@blp.arguments(HoldIn)
@blp.response(201, HoldResult)
def place_hold(hold: HoldRequest) -> HoldState | Response:
    """Reserve a member's points until a deadline (409 insufficient-points)"""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise Malformed(
            "Send an Idempotency-Key header (at most 200 characters), one per intended hold.",
            kind="idempotency-key-required",
        )
    fingerprint = hashlib.sha256(request.get_data(cache=True)).digest()
    placed = holds.place(session(), config(), hold, idempotency_key=key, fingerprint=fingerprint)
    if placed.created:
        return placed
    # the first answer's status, with the hold as it is now
    response = Response(
        json.dumps(HoldResult().dump(placed)), status=201, mimetype="application/json"
    )
    response.headers["Idempotent-Replayed"] = "true"
    return response


@blp.get("/holds/<uuid:hold_id>")
@require_service
@blp.response(200, HoldResult)
def get_hold(hold_id: uuid.UUID) -> HoldState:
    """A hold and its member's balance"""
    return holds.find(session(), config(), hold_id)


@blp.post("/holds/<uuid:hold_id>/capture")
@require_service
@transactional
@blp.response(200, HoldResult)
def capture(hold_id: uuid.UUID) -> HoldState:
    """Spend the held points (idempotent; 409 hold-not-active when released or expired)"""
    return holds.end(session(), config(), hold_id, hold_rules.CAPTURED)


@blp.post("/holds/<uuid:hold_id>/release")
@require_service
@transactional
@blp.response(200, HoldResult)
def release(hold_id: uuid.UUID) -> HoldState:
    """Give the held points back (idempotent; 409 hold-not-active when captured)"""
    return holds.end(session(), config(), hold_id, hold_rules.RELEASED)


@blp.get("/balances/<uuid:member_id>")
@require_service
@blp.response(200, BalanceSchema)
def member_balance(member_id: uuid.UUID) -> Balance:
    """A member's balance, for another service"""
    return accounts.balance(session(), member_id, config())
