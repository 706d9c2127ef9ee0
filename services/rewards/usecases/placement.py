"""The redemption saga on a points hold.

A saga spans an HTTP call to the points service, so it cannot be one database
transaction: each step here is its own unit of work, and this module is their boundary
(the one place in ``usecases`` that commits, like a job). The order makes every crash
recoverable:

1. the intent: the request checked, one unit of stock reserved, the row written as
   ``placing`` (committed before points hears of it);
2. the hold, whose Idempotency-Key and reference carry the redemption id;
3. ``pending`` (or ``applied`` in a round) with the hold's id; with no approval needed,
   the hold is captured and the voucher issued at once.

A crash after 1 leaves a ``placing`` row that the reconciling job settles by replaying
the hold's key and releasing what it finds; a crash after the capture leaves a
``pending`` row with its approvals complete, which the job finishes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from common.errors import Conflict, DomainError, Unavailable
from common.transaction import unit_of_work
from services.rewards.adapters.models import Approval, Redemption, Round, Voucher
from services.rewards.adapters.points import (
    Hold,
    HoldEnded,
    HoldRefused,
    PointsClient,
    PointsUnavailable,
)
from services.rewards.config import RewardsConfig
from services.rewards.domain import redemptions as states
from services.rewards.domain.standing import Levels
from services.rewards.usecases import stock
from services.rewards.usecases.actors import Actor
from services.rewards.usecases.notices import notice
from services.rewards.usecases.notifications import notify
from services.rewards.usecases.requests import (
    Asked,
    RedemptionRequest,
    earlier_request,
    write_intent,
)


def locked(session: Session, redemption_id: uuid.UUID) -> Redemption:
    found = session.get(Redemption, redemption_id, with_for_update=True, populate_existing=True)
    if found is None:
        raise LookupError(redemption_id)
    return found


def request(
    session: Session,
    actor: Actor,
    key: str,
    asked: RedemptionRequest,
    context: tuple[RewardsConfig, Levels, datetime, object],
    points: PointsClient,
) -> Asked:
    """POST /redemptions: the same key and body find the same redemption."""
    config, _, now, _ = context
    try:
        with unit_of_work(session):
            earlier = earlier_request(session, actor, key, asked)
            redemption = earlier or write_intent(session, actor, key, asked, context)
    except IntegrityError:
        # the same key in two requests at once: the other one wrote its intent first
        with unit_of_work(session):
            earlier = earlier_request(session, actor, key, asked)
        if earlier is None:
            raise
        redemption = earlier
    if earlier is None:
        return Asked(advance(session, redemption.id, config, points), replayed=False)
    if earlier.status == states.PLACING:
        if earlier.updated_at > now - timedelta(seconds=config.intent_grace_seconds):
            raise Conflict(
                "A request with this Idempotency-Key is still being processed; retry shortly.",
                kind="idempotency-key-in-flight",
                retry_after=1,
            )
        return Asked(advance(session, earlier.id, config, points), replayed=True)
    return Asked(earlier, replayed=True)


def _discard(session: Session, redemption_id: uuid.UUID, why: str) -> None:
    """The hold was refused or never placed: nothing stays reserved."""
    with unit_of_work(session):
        redemption = locked(session, redemption_id)
        if redemption.status != states.PLACING:
            return
        stock.give_back(session, redemption)
        if redemption.hold_attempt == 0:
            session.execute(sa.delete(Redemption).where(Redemption.id == redemption_id))
        else:
            redemption.status = states.transition(redemption.status, "abandon")
            redemption.reason = why


def place_hold_of(points: PointsClient, redemption: Redemption) -> Hold:
    """Place (or find again by its key: the body is built from the row alone) its hold."""
    return points.place_hold(
        redemption.id,
        redemption.hold_attempt,
        redemption.member_id,
        redemption.cost,
        redemption.hold_deadline,
        str(redemption.terms.get("name", "")),
    )


def advance(
    session: Session, redemption_id: uuid.UUID, config: RewardsConfig, points: PointsClient
) -> Redemption:
    """Steps 2 and 3: place the hold of a ``placing`` redemption and record it."""
    redemption = locked(session, redemption_id)
    session.rollback()  # the row lock was only to read it fresh; the hold call holds none
    try:
        hold = place_hold_of(points, redemption)
    except PointsUnavailable as exc:
        if not exc.maybe_placed:
            _discard(session, redemption_id, "points unavailable")
        raise
    except (DomainError, HoldRefused) as exc:
        _discard(session, redemption_id, str(exc))
        if isinstance(exc, DomainError):
            raise
        raise Unavailable("The points service refused the hold.", kind="points-refused") from exc
    if config.crash_after_hold:
        os.kill(os.getpid(), signal.SIGKILL)  # fault injection for the crash test only
    with unit_of_work(session):
        redemption = locked(session, redemption_id)
        if redemption.status == states.PLACING and _round_closed(session, redemption):
            redemption.status = states.transition(redemption.status, "abandon")
            redemption.reason = "the round closed before the application was recorded"
            redemption.hold_id = hold.id
    if redemption.status == states.CANCELLED and redemption.hold_id == hold.id:
        with contextlib.suppress(HoldEnded):
            points.end_hold(hold.id, "release")
        raise Conflict("The round closed before your application was recorded.", kind="not-open")
    with unit_of_work(session):
        redemption = locked(session, redemption_id)
        if redemption.status == states.PLACING:
            action = "apply" if redemption.round_id else "place"
            redemption.status = states.transition(redemption.status, action)
            redemption.hold_id = hold.id
            redemption.lifetime_points = hold.lifetime_earned
            redemption.updated_at = sa.func.now()
            if redemption.status == states.PENDING and approvals_needed(redemption):
                notify(session, redemption.member_id, notice("redemption.pending", redemption))
    if redemption.status == states.PENDING and approvals_needed(redemption) == 0:
        return finish_approval(session, redemption_id, points)
    return redemption


def _round_closed(session: Session, redemption: Redemption) -> bool:
    if redemption.round_id is None:
        return False
    round_ = session.get(Round, redemption.round_id, populate_existing=True)
    return round_ is not None and round_.status != "open"


def approvals_needed(redemption: Redemption) -> int:
    """As the reward said when the request was made (a later edit does not change it)."""
    return int(redemption.terms.get("approvers_needed", 0))


def approver_ids(session: Session, redemption_id: uuid.UUID) -> tuple[uuid.UUID, ...]:
    return tuple(
        session.scalars(
            sa.select(Approval.approver_id)
            .where(Approval.redemption_id == redemption_id)
            .order_by(Approval.id)
        )
    )


def finish_approval(session: Session, redemption_id: uuid.UUID, points: PointsClient) -> Redemption:
    """Capture the hold of a request whose approvals are complete, then approve it with a
    voucher. Safe to repeat: the capture is idempotent and the row is checked again."""
    with unit_of_work(session):
        redemption = locked(session, redemption_id)
        ready = redemption.status in (states.PENDING, states.WON) and len(
            approver_ids(session, redemption_id)
        ) >= approvals_needed(redemption)
    if not ready or redemption.hold_id is None:
        return redemption
    try:
        points.end_hold(redemption.hold_id, "capture")
    except HoldEnded as exc:
        with unit_of_work(session):
            settle(session, locked(session, redemption_id), "expire", f"hold {exc.status}")
        raise Conflict(
            "The points hold of this request has ended, so it expired instead.",
            kind="hold-not-active",
            extra={"status": states.EXPIRED},
        ) from exc
    with unit_of_work(session):
        redemption = locked(session, redemption_id)
        if redemption.status in (states.PENDING, states.WON):
            redemption.status = states.APPROVED
            redemption.updated_at = sa.func.now()
            code = states.voucher_code()
            session.add(
                Voucher(code=code, redemption_id=redemption.id, reward_id=redemption.reward_id)
            )
            notify(
                session, redemption.member_id, notice("redemption.approved", redemption, code=code)
            )
    return redemption


def settle(session: Session, redemption: Redemption, action: str, reason: str | None) -> None:
    """Move a holding request to rejected, cancelled, expired or lost, its stock returned
    and the member told; the caller released the hold already (or found it ended)."""
    redemption.status = states.transition(redemption.status, action)
    redemption.reason = reason
    redemption.updated_at = sa.func.now()
    stock.give_back(session, redemption)
    kind = {"lose": "round.lost"}.get(action, f"redemption.{redemption.status}")
    notify(session, redemption.member_id, notice(kind, redemption))
