"""Redemptions: a member's requests, and the decisions on them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import Response, request
from flask_smorest import Blueprint

from common.app import redis_client, session
from common.auth import require_auth
from common.errors import Malformed, NotFound
from common.pagination import keyset_page, page_of
from common.qr import qr_svg
from common.ratelimit import Limit, RateLimiter
from services.rewards.adapters.models import Redemption, Voucher
from services.rewards.adapters.runtime import config, district_zone, levels, points
from services.rewards.api.context import actor
from services.rewards.api.schemas import ReasonIn, RedemptionArgs, RedemptionIn, RedemptionOut
from services.rewards.usecases import decisions, listing, placement
from services.rewards.usecases.decisions import Decision
from services.rewards.usecases.requests import RedemptionRequest

blp = Blueprint("redemptions", __name__, url_prefix="/api/v1", description="Requests for rewards")

MAX_KEY_LENGTH = 255


def _one(redemption: Redemption) -> dict[str, Any]:
    (view,) = listing.details(session(), [redemption])
    session().rollback()
    return view


@blp.post("/redemptions")
@require_auth
@blp.arguments(RedemptionIn)
@blp.response(201, RedemptionOut)
def request_redemption(asked: RedemptionRequest) -> Any:
    """Ask for a reward: points held, one unit of stock reserved (Idempotency-Key)"""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise Malformed(
            "Send an Idempotency-Key header (at most 255 characters), a fresh one per request.",
            kind="idempotency-key-required",
        )
    caller = actor()
    limiter = RateLimiter(redis_client())
    limit = Limit("redeem", config().redeem_per_minute, 60)
    limiter.enforce(
        [(limit, str(caller.id))],
        "too-many-requests",
        "Too many requests for rewards; try again in {wait} seconds.",
    )
    limiter.record(limit, str(caller.id))
    context = (config(), levels(), datetime.now(UTC), district_zone())
    asked_for = placement.request(session(), caller, key, asked, context, points())
    body = _one(asked_for.redemption)
    if asked_for.replayed:
        response = Response(RedemptionOut().dumps(body), status=201, mimetype="application/json")
        response.headers["Idempotent-Replayed"] = "true"
        return response
    return body


@blp.get("/redemptions")
@require_auth
@blp.arguments(RedemptionArgs, location="query")
@blp.response(200, page_of(RedemptionOut))
def list_redemptions(args: dict[str, Any]) -> dict[str, Any]:
    """The caller's requests, newest first (reward administrators: everyone's, filtered)"""
    query = listing.redemption_query(actor(), args["filter"])
    result = keyset_page(
        session(), query, args["page"], Redemption.created_at, Redemption.id, descending=True
    )
    result["items"] = listing.details(session(), result["items"])
    return result


@blp.get("/redemptions/<uuid:redemption_id>")
@require_auth
@blp.response(200, RedemptionOut)
def get_redemption(redemption_id: uuid.UUID) -> dict[str, Any]:
    """One request (its owner, or a reward administrator)"""
    return _one(listing.visible(session(), actor(), redemption_id))


@blp.get("/redemptions/<uuid:redemption_id>/voucher.svg")
@require_auth
def voucher_svg(redemption_id: uuid.UUID) -> Response:
    """The voucher of an approved request as a QR code (its owner, or an administrator)"""
    redemption = listing.visible(session(), actor(), redemption_id)
    code = session().scalar(sa.select(Voucher.code).where(Voucher.redemption_id == redemption.id))
    if code is None:
        raise NotFound("This request has no voucher (it is not approved).")
    return Response(qr_svg(code), mimetype="image/svg+xml")


@blp.post("/redemptions/<uuid:redemption_id>/approve")
@require_auth
@blp.response(200, RedemptionOut)
def approve(redemption_id: uuid.UUID) -> dict[str, Any]:
    """Approve a request; the last approval needed spends the points and issues a voucher"""
    return _one(decisions.approve(session(), actor(), redemption_id, points()))


@blp.post("/redemptions/<uuid:redemption_id>/reject")
@require_auth
@blp.arguments(ReasonIn)
@blp.response(200, RedemptionOut)
def reject(decision: Decision, redemption_id: uuid.UUID) -> dict[str, Any]:
    """Reject a request with a reason; its points come back"""
    return _one(decisions.reject(session(), actor(), redemption_id, decision.reason, points()))


@blp.post("/redemptions/<uuid:redemption_id>/cancel")
@require_auth
@blp.response(200, RedemptionOut)
def cancel(redemption_id: uuid.UUID) -> dict[str, Any]:
    """Withdraw one's own request while it waits; its points come back"""
    return _one(decisions.cancel(session(), actor(), redemption_id, points()))


@blp.post("/redemptions/<uuid:redemption_id>/appeal")
@require_auth
@blp.arguments(ReasonIn)
@blp.response(200, RedemptionOut)
def appeal(decision: Decision, redemption_id: uuid.UUID) -> dict[str, Any]:
    """Appeal a rejection, once, with a reason (the member who asked)"""
    decisions.appeal(session(), actor(), redemption_id, decision.reason)
    return _one(listing.visible(session(), actor(), redemption_id))


@blp.post("/redemptions/<uuid:redemption_id>/appeal/approve")
@require_auth
@blp.arguments(ReasonIn)
@blp.response(200, RedemptionOut)
def grant_appeal(decision: Decision, redemption_id: uuid.UUID) -> dict[str, Any]:
    """Grant an appeal: the request is placed again (an administrator other than the rejecter)"""
    context = (config(), points())
    return _one(decisions.decide_appeal(session(), actor(), redemption_id, True, decision, context))


@blp.post("/redemptions/<uuid:redemption_id>/appeal/reject")
@require_auth
@blp.arguments(ReasonIn)
@blp.response(200, RedemptionOut)
def uphold_rejection(decision: Decision, redemption_id: uuid.UUID) -> dict[str, Any]:
    """Refuse an appeal: the rejection stands (an administrator other than the rejecter)"""
    context = (config(), points())
    return _one(
        decisions.decide_appeal(session(), actor(), redemption_id, False, decision, context)
    )


@blp.post("/redemptions/<uuid:redemption_id>/revoke")
@require_auth
@blp.arguments(ReasonIn)
@blp.response(200, RedemptionOut)
def revoke(decision: Decision, redemption_id: uuid.UUID) -> dict[str, Any]:
    """Withdraw an approved request's voucher, with a reason (reward_admin)"""
    return _one(decisions.revoke(session(), actor(), redemption_id, decision.reason))


@blp.post("/redemptions/<uuid:redemption_id>/fulfil")
@require_auth
@blp.response(200, RedemptionOut)
def fulfil(redemption_id: uuid.UUID) -> dict[str, Any]:
    """Record that the benefit was handed over (its voucher is used)"""
    return _one(decisions.fulfil(session(), actor(), redemption_id))
