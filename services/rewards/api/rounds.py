"""Allocation rounds of scarce rewards."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from flask_smorest import Blueprint

from common.app import session
from common.auth import require_auth
from common.pagination import PageArgs, keyset_page, page_of
from common.transaction import transactional
from services.rewards.adapters.models import Round
from services.rewards.adapters.runtime import config, points
from services.rewards.api.context import actor
from services.rewards.api.schemas import RoundIn, RoundOut, RoundSummaryOut
from services.rewards.usecases import rounds
from services.rewards.usecases.rounds import NewRound

blp = Blueprint("rounds", __name__, url_prefix="/api/v1", description="Allocation rounds")


@blp.post("/rewards/<uuid:reward_id>/rounds")
@require_auth
@blp.arguments(RoundIn)
@blp.response(201, RoundOut)
@transactional
def open_round(new: NewRound, reward_id: uuid.UUID) -> dict[str, Any]:
    """Announce a round: its rule, places, window and the hash of its lottery seed"""
    made = rounds.open_round(session(), actor(), reward_id, new, (config(), datetime.now(UTC)))
    return rounds.public(made)


@blp.get("/rewards/<uuid:reward_id>/rounds")
@require_auth
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_of(RoundSummaryOut))
def list_rounds(args: dict[str, Any], reward_id: uuid.UUID) -> dict[str, Any]:
    """A reward's rounds, the latest window first: each one's rule, places and seed hash"""
    found = keyset_page(
        session(),
        rounds.rounds_of(session(), reward_id),
        args,
        Round.opens_at,
        Round.id,
        descending=True,
    )
    return {**found, "items": [rounds.public(each) for each in found["items"]]}


@blp.get("/rounds/<uuid:round_id>")
@require_auth
@blp.response(200, RoundOut)
def get_round(round_id: uuid.UUID) -> dict[str, Any]:
    """A round: rule and seed hash; after close, the seed and the published ranking"""
    return rounds.public(rounds.get_round(session(), round_id))


@blp.post("/rounds/<uuid:round_id>/close")
@require_auth
@blp.response(200, RoundOut)
def close_round(round_id: uuid.UUID) -> dict[str, Any]:
    """Close a round whose window has ended, without waiting for the job (reward_admin)"""
    closed = rounds.close_round(session(), actor(), round_id, points(), datetime.now(UTC))
    return rounds.public(closed)
