"""Adjustments that need a second admin: large ones, and any to the admin's own account.

Nothing moves while one is pending. Approving locks the request's row, so two admins
approving at once pay it once (the second finds it approved); the journal key
``adjustment-request:<id>`` is a second guard.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.errors import Conflict, Forbidden, NotFound
from common.pagination import keyset_page
from services.points.adapters.models import AdjustmentRequest
from services.points.adapters.store import LedgerTx
from services.points.config import PointsConfig
from services.points.usecases import clock
from services.points.usecases.accounts import Adjustment, Balance, balance, post_adjustment

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"


@dataclass(frozen=True)
class Rejection:
    reason: str


def needs_second_admin(config: PointsConfig, adjustment: Adjustment, actor: uuid.UUID) -> bool:
    """Above the threshold, or to the admin's own account: one admin alone cannot mint."""
    return (
        abs(adjustment.amount) > config.adjustment_approval_above or adjustment.member_id == actor
    )


def request(session: Session, adjustment: Adjustment, actor: uuid.UUID) -> AdjustmentRequest:
    """A pending adjustment; it moves nothing until another admin approves it."""
    pending = AdjustmentRequest(
        id=uuid.uuid4(),
        member_id=adjustment.member_id,
        amount=adjustment.amount,
        reason=adjustment.reason,
        status=PENDING,
        requested_by=actor,
        requested_at=clock.now_utc(),
    )
    session.add(pending)
    session.flush()
    return pending


def listed(session: Session, status: str | None, args: dict[str, Any]) -> dict[str, Any]:
    """Requests, oldest first (the queue a second admin works through)."""
    query = sa.select(AdjustmentRequest).order_by(
        AdjustmentRequest.requested_at, AdjustmentRequest.id
    )
    if status is not None:
        query = query.where(AdjustmentRequest.status == status)
    return keyset_page(session, query, args, AdjustmentRequest.requested_at, AdjustmentRequest.id)


def _locked(session: Session, request_id: uuid.UUID) -> AdjustmentRequest:
    found = session.scalars(
        sa.select(AdjustmentRequest)
        .where(AdjustmentRequest.id == request_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if found is None:
        raise NotFound("No such adjustment.")
    return found


def _not_pending(found: AdjustmentRequest) -> Conflict:
    return Conflict(
        f"This adjustment was {found.status} already.",
        kind="adjustment-not-pending",
        extra={"status": found.status},
    )


@dataclass(frozen=True)
class Approval:
    """An approved request and the member's balance after it."""

    adjustment: AdjustmentRequest
    balance: Balance


def approve(
    session: Session, config: PointsConfig, request_id: uuid.UUID, *, actor: uuid.UUID
) -> Approval:
    """Post a pending adjustment, by an admin other than the one who asked for it (and not
    to the approver's own account); approving an approved one again changes nothing."""
    found = _locked(session, request_id)
    if actor in (found.requested_by, found.member_id):
        raise Forbidden("A second admin, other than its requester and its member, approves it.")
    if found.status == REJECTED:
        raise _not_pending(found)
    if found.status == PENDING:
        tx = LedgerTx(session, [found.member_id], shards=config.system_shards, now=clock.now_utc())
        post_adjustment(
            tx,
            config,
            Adjustment(found.member_id, found.amount, found.reason),
            key=f"adjustment-request:{found.id}",
            reference=f"adjustment by {found.requested_by}, approved by {actor}",
        )
        tx.flush()
        found.status, found.decided_by, found.decided_at = APPROVED, actor, tx.now
        session.flush()
    return Approval(found, balance(session, found.member_id, config))


def reject(
    session: Session, request_id: uuid.UUID, rejection: Rejection, *, actor: uuid.UUID
) -> AdjustmentRequest:
    """Refuse a pending adjustment (its requester may withdraw it); nothing moves."""
    found = _locked(session, request_id)
    if found.status != PENDING:
        raise _not_pending(found)
    found.status, found.decided_by, found.decided_at = REJECTED, actor, clock.now_utc()
    found.rejection_reason = rejection.reason
    session.flush()
    return found
