"""Decisions on a redemption: approve, reject, cancel, appeal and its decision, fulfil.

Each is one unit of work with the redemption row locked; where the points hold must
end, the points service is asked inside it, so a refusal there changes nothing here.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.errors import Conflict, Forbidden, NotFound
from common.transaction import unit_of_work
from services.rewards.adapters.models import Appeal, Approval, Redemption, Reward, Voucher
from services.rewards.adapters.points import HoldEnded, PointsClient
from services.rewards.config import RewardsConfig
from services.rewards.domain import redemptions as states
from services.rewards.usecases import audit, stock
from services.rewards.usecases.actors import Actor
from services.rewards.usecases.notices import notice
from services.rewards.usecases.notifications import notify
from services.rewards.usecases.placement import (
    advance,
    approvals_needed,
    approver_ids,
    finish_approval,
    settle,
)


@dataclass(frozen=True)
class Decision:
    reason: str


def _locked(session: Session, actor: Actor, redemption_id: uuid.UUID) -> Redemption:
    """The row, locked; a member who does not own it is told it does not exist."""
    found = session.get(Redemption, redemption_id, with_for_update=True, populate_existing=True)
    if found is None or not (actor.is_reward_admin or found.member_id == actor.id):
        raise NotFound.of("redemption")
    return found


def state_of(redemption: Redemption) -> dict[str, Any]:
    """The part of a redemption an audit entry records before and after."""
    return {
        "status": redemption.status,
        "reason": redemption.reason,
        "hold_id": str(redemption.hold_id) if redemption.hold_id else None,
        "decided_by": str(redemption.decided_by) if redemption.decided_by else None,
    }


def approve(
    session: Session, actor: Actor, redemption_id: uuid.UUID, points: PointsClient
) -> Redemption:
    """One administrator's approval; the last one needed captures the hold (voucher)."""
    actor.require_reward_admin()
    with unit_of_work(session):
        redemption = _locked(session, actor, redemption_id)
        before = state_of(redemption)
        so_far = states.Approvals(
            approvals_needed(redemption),
            redemption.member_id,
            approver_ids(session, redemption_id),
        )
        _check_rank_order(session, redemption)
        if so_far.complete and redemption.status in (states.PENDING, states.WON):
            complete = True  # an earlier capture did not finish: finish it, add nothing
        else:
            _, after = states.approve(redemption.status, so_far, actor.id)
            session.add(Approval(redemption_id=redemption_id, approver_id=actor.id))
            redemption.decided_by = actor.id
            complete = after.complete
            audit.record(
                session,
                actor,
                "redemption.approve",
                ("redemption", redemption_id),
                before,
                {**state_of(redemption), "approvals": [str(a) for a in after.approver_ids]},
            )
    if complete:
        return finish_approval(session, redemption_id, points)
    return redemption


def _check_rank_order(session: Session, redemption: Redemption) -> None:
    """Places won in a round are approved in rank order."""
    if redemption.status != states.WON or redemption.rank is None:
        return
    ahead = session.scalar(
        sa.select(sa.func.min(Redemption.rank)).where(
            Redemption.round_id == redemption.round_id,
            Redemption.status == states.WON,
            Redemption.rank < redemption.rank,
        )
    )
    if ahead is not None:
        raise Conflict(
            f"Places are approved in rank order: rank {ahead} of this round waits first.",
            kind="rank-order",
            extra={"waiting_rank": ahead},
        )


def _release_and_settle(
    session: Session,
    actor: Actor,
    redemption_id: uuid.UUID,
    action: str,
    reason: str | None,
    points: PointsClient,
    allowed: Callable[[Redemption], None],
) -> Redemption:
    with unit_of_work(session):
        redemption = _locked(session, actor, redemption_id)
        allowed(redemption)
        states.transition(redemption.status, action)  # wrong-state before asking points
        before = state_of(redemption)
        if redemption.hold_id is not None:
            try:
                points.end_hold(redemption.hold_id, "release")
            except HoldEnded as exc:
                if exc.status == "captured":
                    raise Conflict(
                        "The points of this request were already spent.", kind="wrong-state"
                    ) from exc
        redemption.decided_by = actor.id
        settle(session, redemption, action, reason)
        if actor.is_reward_admin or action != "cancel":
            audit.record(
                session,
                actor,
                f"redemption.{action}",
                ("redemption", redemption_id),
                before,
                state_of(redemption),
            )
    return redemption


def reject(
    session: Session, actor: Actor, redemption_id: uuid.UUID, why: str, points: PointsClient
) -> Redemption:
    actor.require_reward_admin()
    reason = states.reason(why)
    return _release_and_settle(
        session, actor, redemption_id, "reject", reason, points, lambda _: None
    )


def cancel(
    session: Session, actor: Actor, redemption_id: uuid.UUID, points: PointsClient
) -> Redemption:
    """The member withdraws their own request while it waits."""

    def owner_only(redemption: Redemption) -> None:
        if redemption.member_id != actor.id:
            raise Forbidden("Only the member who made a request may cancel it.", kind="not-owner")

    return _release_and_settle(session, actor, redemption_id, "cancel", None, points, owner_only)


def expire(
    session: Session, actor: Actor, redemption_id: uuid.UUID, points: PointsClient
) -> Redemption:
    """A request past its deadline: the job releases its hold and returns its stock."""
    return _release_and_settle(
        session, actor, redemption_id, "expire", "past its deadline", points, lambda _: None
    )


def appeal(session: Session, actor: Actor, redemption_id: uuid.UUID, why: str) -> Appeal:
    """The member's one appeal of a rejection, with a reason."""
    reason = states.reason(why)
    with unit_of_work(session):
        redemption = _locked(session, actor, redemption_id)
        existing = session.scalars(
            sa.select(Appeal).where(Appeal.redemption_id == redemption_id)
        ).first()
        redemption.status = states.appeal(
            redemption.status,
            already_appealed=existing is not None,
            appellant_id=actor.id,
            requester_id=redemption.member_id,
        )
        made = Appeal(id=uuid.uuid4(), redemption_id=redemption_id, reason=reason)
        session.add(made)
    return made


def decide_appeal(
    session: Session,
    actor: Actor,
    redemption_id: uuid.UUID,
    granted: bool,
    decision: Decision,
    context: tuple[RewardsConfig, PointsClient],
) -> Redemption:
    """Another administrator than the rejecter decides: granted goes back to placing (a new
    hold, and a unit of stock), upheld stays rejected."""
    actor.require_reward_admin()
    config, points = context
    reason = states.reason(decision.reason)
    with unit_of_work(session):
        redemption = _locked(session, actor, redemption_id)
        before = state_of(redemption)
        rejected_by = redemption.decided_by or uuid.UUID(int=0)
        redemption.status = states.decide_appeal(
            redemption.status, granted=granted, decider_id=actor.id, rejected_by=rejected_by
        )
        appealed = session.scalars(
            sa.select(Appeal).where(Appeal.redemption_id == redemption_id)
        ).one()
        appealed.status, appealed.decided_by = ("granted" if granted else "upheld"), actor.id
        appealed.decision_reason, appealed.decided_at = reason, sa.func.now()
        redemption.decided_by, redemption.reason = actor.id, reason
        redemption.updated_at = sa.func.now()
        if granted:
            redemption.hold_attempt += 1
            redemption.stock_reserved = stock.take_one(session, _reward_of(session, redemption))
        kind = "appeal.granted" if granted else "appeal.upheld"
        notify(session, redemption.member_id, notice(kind, redemption))
        audit.record(
            session, actor, kind, ("redemption", redemption_id), before, state_of(redemption)
        )
    if granted:
        return advance(session, redemption_id, config, points)
    return redemption


def _reward_of(session: Session, redemption: Redemption) -> Reward:
    reward = session.get(Reward, redemption.reward_id)
    assert reward is not None  # a foreign key keeps it
    return reward


def fulfil(session: Session, actor: Actor, redemption_id: uuid.UUID) -> Redemption:
    """The benefit was handed over: the voucher is used."""
    actor.require_reward_admin()
    with unit_of_work(session):
        redemption = _locked(session, actor, redemption_id)
        before = state_of(redemption)
        redemption.status = states.transition(redemption.status, "fulfil")
        session.execute(
            sa.update(Voucher)
            .where(Voucher.redemption_id == redemption_id, Voucher.status == "valid")
            .values(status="used", used_at=sa.func.now(), used_by=actor.id)
        )
        notify(session, redemption.member_id, notice("redemption.fulfilled", redemption))
        audit.record(
            session,
            actor,
            "redemption.fulfil",
            ("redemption", redemption_id),
            before,
            state_of(redemption),
        )
    return redemption


def revoke(session: Session, actor: Actor, redemption_id: uuid.UUID, why: str) -> Redemption:
    """Withdraw an approved request's voucher (issued in error); the points stay spent
    unless an administrator adjusts them at the points service."""
    actor.require_reward_admin()
    reason = states.reason(why)
    with unit_of_work(session):
        redemption = _locked(session, actor, redemption_id)
        before = state_of(redemption)
        redemption.status = states.transition(redemption.status, "revoke")
        redemption.reason, redemption.decided_by = reason, actor.id
        session.execute(
            sa.update(Voucher)
            .where(Voucher.redemption_id == redemption_id, Voucher.status == "valid")
            .values(status="cancelled")
        )
        notify(session, redemption.member_id, notice("redemption.revoked", redemption))
        audit.record(
            session,
            actor,
            "redemption.revoke",
            ("redemption", redemption_id),
            before,
            state_of(redemption),
        )
    return redemption
