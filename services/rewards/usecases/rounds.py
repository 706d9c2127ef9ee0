"""Allocation rounds: a committed seed before the window, a published ranking at close.

At close, applications are ranked by the round's rule (``domain.rounds``); the first
``places`` win (``won``: they wait for approval, in rank order, like ``pending``); every
other applicant loses (``lost``), their hold released at once, and is told their rank.
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.errors import Conflict, Invalid, NotFound
from common.transaction import unit_of_work
from services.rewards.adapters.models import Redemption, Reward, Round
from services.rewards.adapters.points import HoldEnded, PointsClient
from services.rewards.config import POINTS_HOLD_MAX_SECONDS, RewardsConfig
from services.rewards.domain import redemptions as states
from services.rewards.domain import rounds as lottery
from services.rewards.usecases import audit
from services.rewards.usecases.actors import Actor
from services.rewards.usecases.catalogue import locked_reward
from services.rewards.usecases.notices import notice
from services.rewards.usecases.notifications import notify
from services.rewards.usecases.placement import approvals_needed, finish_approval, settle


@dataclass(frozen=True)
class NewRound:
    opens_at: datetime
    closes_at: datetime
    places: int
    rule: str


def public(round_: Round) -> dict[str, Any]:
    """What anyone may read: the seed and ranking only once the round has closed."""
    closed = round_.status == "closed"
    return {
        "id": round_.id,
        "reward_id": round_.reward_id,
        "opens_at": round_.opens_at,
        "closes_at": round_.closes_at,
        "places": round_.places,
        "rule": round_.rule,
        "seed_hash": round_.seed_hash,
        "status": round_.status,
        "seed": round_.seed if closed else None,
        "ranking": round_.ranking if closed else None,
        "closed_at": round_.closed_at,
    }


def open_round(
    session: Session,
    actor: Actor,
    reward_id: uuid.UUID,
    new: NewRound,
    context: tuple[RewardsConfig, datetime],
) -> Round:
    """Commit to a seed (its hash published now) for a round of a ``round`` reward."""
    actor.require_reward_admin()
    config, now = context
    reward = locked_reward(session, reward_id)
    if reward.allocation != "round":
        raise Conflict("This reward is given first come, first served.", kind="not-a-round-reward")
    rule = lottery.parse_rule(new.rule)
    if new.closes_at <= new.opens_at or new.closes_at <= now:
        raise Invalid.field("closes_at", "The round must close after it opens, in the future.")
    horizon = new.closes_at + timedelta(
        seconds=config.round_approval_seconds + config.hold_margin_seconds
    )
    if horizon > now + timedelta(seconds=POINTS_HOLD_MAX_SECONDS):
        raise Invalid.field(
            "closes_at", "Points can be held at most 30 days: the round closes too late."
        )
    overlapping = session.scalar(
        sa.select(sa.func.count()).where(
            Round.reward_id == reward_id,
            Round.status == "open",
            Round.opens_at < new.closes_at,
            Round.closes_at > new.opens_at,
        )
    )
    if overlapping:
        raise Conflict("Another round of this reward overlaps this window.", kind="round-overlaps")
    seed = lottery.new_seed()
    made = Round(
        id=uuid.uuid4(),
        reward_id=reward_id,
        opens_at=new.opens_at,
        closes_at=new.closes_at,
        places=new.places,
        rule=rule,
        seed=seed,
        seed_hash=lottery.seed_hash(seed),
        created_by=actor.id,
    )
    session.add(made)
    session.flush()
    audit.record(session, actor, "round.open", ("round", made.id), None, _audited(made))
    return made


def _audited(round_: Round) -> dict[str, Any]:
    view = public(round_)
    return {k: str(v) if isinstance(v, uuid.UUID | datetime) else v for k, v in view.items()}


def get_round(session: Session, round_id: uuid.UUID) -> Round:
    found = session.get(Round, round_id)
    if found is None:
        raise NotFound.of("round")
    return found


def rounds_of(session: Session, reward_id: uuid.UUID) -> sa.Select[Round]:
    """The reward's rounds, the latest window first (a 404 for an unknown reward)."""
    if session.get(Reward, reward_id) is None:
        raise NotFound.of("reward")
    return (
        sa.select(Round)
        .where(Round.reward_id == reward_id)
        .order_by(Round.opens_at.desc(), Round.id.desc())
    )


def close_round(
    session: Session, actor: Actor, round_id: uuid.UUID, points: PointsClient, now: datetime
) -> Round:
    """Rank the applications, publish the seed and ranking, release the losers' holds."""
    actor.require_reward_admin()
    with unit_of_work(session):
        round_ = session.get(Round, round_id, with_for_update=True, populate_existing=True)
        if round_ is None:
            raise NotFound.of("round")
        if round_.status != "open" or round_.closes_at > now:
            raise Conflict(
                "A round closes once, when its window has ended.",
                kind="wrong-state",
                extra={"status": round_.status},
            )
        before = _audited(round_)
        applications = list(
            session.scalars(
                sa.select(Redemption)
                .where(Redemption.round_id == round_id, Redemption.status == states.APPLIED)
                .with_for_update()
            )
        )
        ranked = lottery.rank(
            [
                lottery.Application(a.id, a.created_at, a.lifetime_minutes, a.lifetime_points)
                for a in applications
            ],
            round_.rule,
            round_.seed,
            round_.places,
        )
        by_id = {a.id: a for a in applications}
        for entry in ranked:
            _decide(session, points, by_id[entry.application_id], entry)
        round_.status, round_.closed_at = "closed", sa.func.now()
        round_.ranking = lottery.published_ranking(round_.rule, round_.seed, round_.places, ranked)
        session.flush()
        session.refresh(round_)
        audit.record(session, actor, "round.close", ("round", round_id), before, _audited(round_))
    for entry in ranked:
        winner = by_id[entry.application_id]
        if entry.won and approvals_needed(winner) == 0:
            with contextlib.suppress(Conflict):
                finish_approval(session, winner.id, points)
    return round_


def _decide(
    session: Session, points: PointsClient, application: Redemption, entry: lottery.Ranked
) -> None:
    application.rank = entry.rank
    if entry.won:
        application.status = states.transition(application.status, "win")
        notify(session, application.member_id, notice("round.won", application))
        return
    if application.hold_id is not None:
        with contextlib.suppress(HoldEnded):
            points.end_hold(application.hold_id, "release")
    settle(session, application, "lose", None)


def due_rounds(session: Session, now: datetime) -> list[uuid.UUID]:
    ids = list(
        session.scalars(
            sa.select(Round.id).where(Round.status == "open", Round.closes_at <= now).limit(20)
        )
    )
    session.rollback()
    return ids
