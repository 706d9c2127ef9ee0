"""Holds for the other services of the suite: /internal/v1/points/..., never routed by the gateway.

Every call needs ``Authorization: Service <INTERNAL_API_TOKEN>``. Placing a hold
needs an ``Idempotency-Key``: the same key and body replay the first answer,
another body is a 422, and a key whose first request is still running is a 409.
Capture and release are idempotent by nature: a hold ends once, and asking
again for the same ending answers with the hold as it ended.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Response, json, request
from flask_smorest import Blueprint

from common.app import session
from common.auth import require_service
from common.db import get_or_404
from common.problems import Problem
from services.points import services
from services.points.adapters.models import Hold
from services.points.api.balances import config
from services.points.api.schemas import BalanceSchema, HoldIn, HoldResult
from services.points.domain import holds as hold_rules

blp = Blueprint(
    "internal", __name__, url_prefix="/internal/v1/points", description="Holds (internal)"
)


def _lock_id(key: str) -> int:
    digest = hashlib.blake2b(f"points-hold\x00{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _result(hold: Hold) -> dict[str, Any]:
    return {
        "hold": services.hold_view(hold),
        "balance": services.balance(session(), hold.member_id, config()),
    }


@blp.post("/holds")
@require_service
@blp.arguments(HoldIn)
@blp.response(201, HoldResult)
def place_hold(data: dict[str, Any]) -> Any:
    """Reserve a member's points until a deadline (409 insufficient-points)"""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > 200:
        raise Problem(
            400,
            "idempotency-key-required",
            "Send an Idempotency-Key header (at most 200 characters), one per intended hold.",
        )
    db = session()
    if not db.execute(sa.select(sa.func.pg_try_advisory_xact_lock(_lock_id(key)))).scalar_one():
        raise Problem(
            409,
            "idempotency-key-in-flight",
            "A request with this Idempotency-Key is still being processed; retry shortly.",
            headers={"Retry-After": "1"},
        )
    fingerprint = hashlib.sha256(request.get_data(cache=True)).digest()
    # a retry finds the hold its key made before anything is checked against the clock:
    # the same request answers the same, even after the deadline it named has passed
    existing = services.hold_by_key(db, key, fingerprint)
    if existing is not None:
        return _replay(existing)
    cfg = config()
    now = services.now_utc()
    if data["ttl_seconds"] is not None and data["ttl_seconds"] > cfg.hold_max_seconds:
        # refused before the date arithmetic, which overflows for absurd values
        raise Problem(
            422,
            "validation-error",
            "The hold may last at most the longest hold allowed.",
            errors={"ttl_seconds": [f"at most {cfg.hold_max_seconds}"]},
        )
    if data["deadline"] is not None:
        deadline = data["deadline"]
    else:
        deadline = now + timedelta(seconds=data["ttl_seconds"] or cfg.hold_default_seconds)
    if not now < deadline <= now + timedelta(seconds=cfg.hold_max_seconds):
        raise Problem(
            422,
            "validation-error",
            "The deadline must be in the future and within the longest hold allowed.",
            errors={"deadline": [f"between now and {cfg.hold_max_seconds} seconds from now"]},
        )
    try:
        hold, created = services.place_hold(
            db,
            cfg,
            member_id=data["member_id"],
            amount=data["amount"],
            deadline=deadline,
            reference=data["reference"],
            description=data["description"],
            idempotency_key=key,
            fingerprint=fingerprint,
        )
        if created:
            result = {
                "hold": services.hold_view(hold),
                "balance": services.balance(db, hold.member_id, cfg),
            }
            db.commit()
            return result
    except BaseException:
        db.rollback()
        raise
    return _replay(hold)


def _replay(hold: Hold) -> Response:
    """The first answer's status, with the hold as it is now."""
    db = session()
    body = HoldResult().dump(_result(hold))
    db.rollback()
    response = Response(json.dumps(body), status=201, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


@blp.get("/holds/<uuid:hold_id>")
@require_service
@blp.response(200, HoldResult)
def get_hold(hold_id: uuid.UUID) -> dict[str, Any]:
    """A hold and its member's balance"""
    return _result(get_or_404(session(), Hold, hold_id, "hold"))


def _end(hold_id: uuid.UUID, how: str) -> dict[str, Any]:
    db = session()
    hold = services.end_hold(db, config(), hold_id, how)
    result = _result(hold)
    db.commit()
    return result


@blp.post("/holds/<uuid:hold_id>/capture")
@require_service
@blp.response(200, HoldResult)
def capture(hold_id: uuid.UUID) -> dict[str, Any]:
    """Spend the held points (idempotent; 409 hold-not-active when released or expired)"""
    return _end(hold_id, hold_rules.CAPTURED)


@blp.post("/holds/<uuid:hold_id>/release")
@require_service
@blp.response(200, HoldResult)
def release(hold_id: uuid.UUID) -> dict[str, Any]:
    """Give the held points back (idempotent; 409 hold-not-active when captured)"""
    return _end(hold_id, hold_rules.RELEASED)


@blp.get("/balances/<uuid:member_id>")
@require_service
@blp.response(200, BalanceSchema)
def member_balance(member_id: uuid.UUID) -> dict[str, Any]:
    """A member's balance, for another service"""
    return services.balance(session(), member_id, config())
