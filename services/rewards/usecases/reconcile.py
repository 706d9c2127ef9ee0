"""Reconciling redemptions with their points holds, both ways.

- An intent (``placing``) older than the grace period lost its request (a crash between
  the hold and the commit, or a timeout): replaying the hold's key finds the hold if
  one was placed, and it is released; the intent is abandoned and its stock returned.
- A holding request (``pending``, ``won``, ``applied``) whose hold ended without us (it
  expired at points) is expired and its stock returned; one whose approvals are complete
  but whose capture did not finish (a crash, points away) is finished.
- A waiting request past its deadline has its hold released and its stock returned.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.errors import Conflict, DomainError
from common.transaction import unit_of_work
from services.rewards.adapters.models import Redemption
from services.rewards.adapters.points import (
    Hold,
    HoldEnded,
    HoldRefused,
    PointsClient,
    PointsUnavailable,
)
from services.rewards.config import RewardsConfig
from services.rewards.domain import redemptions as states
from services.rewards.usecases import stock
from services.rewards.usecases.actors import SYSTEM
from services.rewards.usecases.decisions import expire
from services.rewards.usecases.placement import finish_approval, locked, place_hold_of, settle

log = logging.getLogger(__name__)

BATCH = 200


def settle_intents(
    session: Session, points: PointsClient, config: RewardsConfig, now: datetime
) -> int:
    """Abandon intents whose request is gone, releasing any hold they made; how many."""
    stale = now - timedelta(seconds=config.intent_grace_seconds)
    ids = list(
        session.scalars(
            sa.select(Redemption.id)
            .where(Redemption.status == states.PLACING, Redemption.updated_at < stale)
            .order_by(Redemption.updated_at)
            .limit(BATCH)
        )
    )
    session.rollback()
    settled = 0
    for redemption_id in ids:
        redemption = session.get(Redemption, redemption_id, populate_existing=True)
        session.rollback()
        if redemption is None:
            continue
        hold = _replay_hold(points, redemption)
        with unit_of_work(session):
            redemption = locked(session, redemption_id)
            if redemption.status != states.PLACING:
                continue
            stock.give_back(session, redemption)
            redemption.status = states.transition(redemption.status, "abandon")
            redemption.reason = "not completed; any points held for it were released"
            redemption.hold_id = hold.id if hold else None
            redemption.updated_at = sa.func.now()
            settled += 1
    return settled


def _replay_hold(points: PointsClient, redemption: Redemption) -> Hold | None:
    """The hold the intent's key made, released; None when there was none to make."""
    try:
        hold = place_hold_of(points, redemption)
    except PointsUnavailable:
        raise
    except (DomainError, HoldRefused):
        # refused now (no points, or a deadline past): the key had made no hold
        return None
    with contextlib.suppress(HoldEnded):  # expired or released already: nothing is held
        points.end_hold(hold.id, "release")
    return hold


def check_holding(session: Session, points: PointsClient, now: datetime, batch: int = BATCH) -> int:
    """Match holding requests with their holds, the least recently checked first."""
    rows = session.execute(
        sa.select(Redemption.id, Redemption.status, Redemption.hold_id, Redemption.deadline)
        .where(
            Redemption.status.in_(tuple(states.HOLDING)),
            Redemption.hold_id.is_not(None),
        )
        .order_by(Redemption.checked_at.asc().nulls_first(), Redemption.id)
        .limit(batch)
    ).all()
    session.rollback()
    changed = 0
    for row in rows:
        try:
            changed += _check_one(
                session, points, row.id, row.status, row.hold_id, row.deadline, now
            )
        except Conflict as exc:
            log.info("redemption %s: %s", row.id, exc.detail)
        with unit_of_work(session):
            session.execute(
                sa.update(Redemption)
                .where(Redemption.id == row.id)
                .values(checked_at=sa.func.now())
            )
    return changed


def _check_one(
    session: Session,
    points: PointsClient,
    redemption_id: uuid.UUID,
    status: str,
    hold_id: uuid.UUID,
    deadline: datetime,
    now: datetime,
) -> int:
    if status in (states.PENDING, states.WON) and deadline < now:
        expire(session, SYSTEM, redemption_id, points)
        return 1
    hold = points.get_hold(hold_id)
    if hold is None or hold.status in ("released", "expired"):
        action = "cancel" if status == states.APPLIED else "expire"
        with unit_of_work(session):
            settle(session, locked(session, redemption_id), action, "its points hold ended")
        return 1
    if status in (states.PENDING, states.WON):
        before = status
        after = finish_approval(session, redemption_id, points).status
        return int(after != before)
    return 0
