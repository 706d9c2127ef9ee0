"""A member's request for a reward, up to the intent: checked, stock reserved, written as
``placing`` before the points hold is asked for (the saga in ``placement`` goes on)."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.errors import Conflict, Invalid
from services.rewards.adapters.models import Redemption, Reward, Round
from services.rewards.config import RewardsConfig
from services.rewards.domain import redemptions as states
from services.rewards.domain.eligibility import EligibilityRules, check
from services.rewards.domain.forms import fields_from_json, validate_form
from services.rewards.domain.standing import Levels
from services.rewards.usecases import stock
from services.rewards.usecases.actors import Actor
from services.rewards.usecases.catalogue import snapshot
from services.rewards.usecases.periods import period_start
from services.rewards.usecases.standing import standing_of

# a request in one of these counts toward the member's limit
COUNTED = (
    states.PLACING,
    states.PENDING,
    states.APPROVED,
    states.FULFILLED,
    states.APPLIED,
    states.WON,
    states.APPEALED,
)


@dataclass(frozen=True)
class RedemptionRequest:
    reward_id: uuid.UUID
    form: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Asked:
    """What the member's request came to: the redemption, and whether it was there before."""

    redemption: Redemption
    replayed: bool


def fingerprint(request: RedemptionRequest) -> bytes:
    text = f"{request.reward_id}\x00{sorted(request.form.items())!r}"
    return hashlib.sha256(text.encode()).digest()


def earlier_request(
    session: Session, actor: Actor, key: str, request: RedemptionRequest
) -> Redemption | None:
    """The redemption this Idempotency-Key made before; 422 if it was for another body."""
    found = session.scalars(
        sa.select(Redemption).where(
            Redemption.member_id == actor.id, Redemption.idempotency_key == key
        )
    ).first()
    if found is not None and found.request_hash != fingerprint(request):
        raise Invalid(
            "This Idempotency-Key was used with a different request body.",
            kind="idempotency-key-reused",
        )
    return found


def open_round(session: Session, reward: Reward, now: datetime) -> Round:
    found = session.scalars(
        sa.select(Round).where(
            Round.reward_id == reward.id,
            Round.status == "open",
            Round.opens_at <= now,
            Round.closes_at > now,
        )
    ).first()
    if found is None:
        raise Conflict("No allocation round of this reward is open now.", kind="not-open")
    return found


def _check_window(reward: Reward, now: datetime) -> None:
    opens, closes = reward.opens_at, reward.closes_at
    if not reward.active or (opens and now < opens) or (closes and now >= closes):
        raise Conflict("This reward is not open for requests now.", kind="not-open")


def _check_limit(session: Session, actor: Actor, reward: Reward, since: datetime | None) -> None:
    if reward.per_member_limit is None:
        return
    query = sa.select(sa.func.count()).where(
        Redemption.member_id == actor.id,
        Redemption.reward_id == reward.id,
        Redemption.status.in_(COUNTED),
    )
    if since is not None:
        query = query.where(Redemption.created_at >= since)
    if int(session.scalar(query) or 0) >= reward.per_member_limit:
        raise Conflict(
            f"You have reached the limit of {reward.per_member_limit} for this reward.",
            kind="limit-reached",
            extra={"limit": reward.per_member_limit, "period": reward.limit_period},
        )


def _check_one_application(session: Session, actor: Actor, round_: Round) -> None:
    applied = session.scalar(
        sa.select(sa.func.count()).where(
            Redemption.member_id == actor.id,
            Redemption.round_id == round_.id,
            Redemption.status.in_(COUNTED),
        )
    )
    if applied:
        raise Conflict("You have already applied in this round.", kind="limit-reached")


def _serialise_member(session: Session, actor: Actor, reward: Reward) -> None:
    """One request of a member for a reward at a time, so two cannot both pass the limit."""
    digest = hashlib.blake2b(f"{actor.id}:{reward.id}".encode(), digest_size=8).digest()
    session.execute(
        sa.select(sa.func.pg_advisory_xact_lock(int.from_bytes(digest, "big", signed=True)))
    )


def write_intent(
    session: Session,
    actor: Actor,
    key: str,
    request: RedemptionRequest,
    context: tuple[RewardsConfig, Levels, datetime, Any],
) -> Redemption:
    """Check the request and write it as ``placing`` with its unit of stock reserved."""
    config, levels, now, zone = context
    reward = session.get(Reward, request.reward_id)
    if reward is None or not reward.active:
        raise Invalid.field("reward_id", "There is no open reward with this id.")
    round_ = open_round(session, reward, now) if reward.allocation == "round" else None
    if round_ is None:
        _check_window(reward, now)
        if stock.none_left(reward):
            raise Conflict(stock.OUT_OF_STOCK, kind="out-of-stock")
    standing = standing_of(session, actor.id, levels)
    refusal = check(EligibilityRules.from_json(reward.eligibility), standing, actor.roles)
    if refusal is not None:
        raise refusal.error(actor.language)
    cleaned = validate_form(fields_from_json(reward.form_fields), request.form)
    _serialise_member(session, actor, reward)
    _check_limit(session, actor, reward, period_start(reward.limit_period, now, zone))
    if round_ is not None:
        _check_one_application(session, actor, round_)
    reserved = stock.take_one(session, reward) if round_ is None else False
    if round_ is not None:
        deadline = round_.closes_at + timedelta(seconds=config.round_approval_seconds)
    else:
        deadline = now + timedelta(seconds=config.approval_seconds)
    redemption = Redemption(
        id=uuid.uuid4(),
        member_id=actor.id,
        reward_id=reward.id,
        round_id=round_.id if round_ else None,
        status=states.PLACING,
        idempotency_key=key,
        request_hash=fingerprint(request),
        cost=reward.cost,
        terms=snapshot(reward),
        form=cleaned,
        community_id=standing.home_community_id,
        lifetime_minutes=standing.lifetime_minutes,
        hold_deadline=deadline + timedelta(seconds=config.hold_margin_seconds),
        deadline=deadline,
        stock_reserved=reserved,
    )
    session.add(redemption)
    session.flush()
    return redemption
