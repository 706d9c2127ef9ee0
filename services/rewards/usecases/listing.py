"""Reading redemptions: a member's own, or (reward administrators) everyone's with the
filters of the pending queue."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.errors import NotFound
from services.rewards.adapters.models import Appeal, Approval, Redemption, Voucher
from services.rewards.domain import redemptions as states
from services.rewards.usecases.actors import Actor


@dataclass(frozen=True)
class RedemptionFilter:
    status: str | None = None
    reward_id: uuid.UUID | None = None
    category: str | None = None
    community: uuid.UUID | None = None
    round_id: uuid.UUID | None = None
    older_than: datetime | None = None
    member_id: uuid.UUID | None = None


def redemption_query(actor: Actor, wanted: RedemptionFilter) -> sa.Select[Redemption]:
    """Newest first; members see only their own whatever they ask."""
    query = sa.select(Redemption).order_by(Redemption.created_at.desc(), Redemption.id.desc())
    if not actor.is_reward_admin:
        query = query.where(Redemption.member_id == actor.id)
    elif wanted.member_id is not None:
        query = query.where(Redemption.member_id == wanted.member_id)
    conditions = {
        Redemption.status: wanted.status,
        Redemption.reward_id: wanted.reward_id,
        Redemption.community_id: wanted.community,
        Redemption.round_id: wanted.round_id,
    }
    for column, value in conditions.items():
        if value is not None:
            query = query.where(column == value)
    if wanted.category is not None:
        query = query.where(Redemption.terms["category"].astext == wanted.category)
    if wanted.older_than is not None:
        query = query.where(Redemption.created_at < wanted.older_than)
    return query


def visible(session: Session, actor: Actor, redemption_id: uuid.UUID) -> Redemption:
    found = session.get(Redemption, redemption_id)
    if found is None or not (actor.is_reward_admin or found.member_id == actor.id):
        raise NotFound.of("redemption")
    return found


def details(session: Session, redemptions: list[Redemption]) -> list[dict[str, Any]]:
    """Each redemption as the API shows it, with approvals, voucher and appeal."""
    ids = [r.id for r in redemptions]
    approvals: dict[uuid.UUID, list[str]] = {}
    for row in session.execute(
        sa.select(Approval.redemption_id, Approval.approver_id)
        .where(Approval.redemption_id.in_(ids))
        .order_by(Approval.id)
    ):
        approvals.setdefault(row.redemption_id, []).append(str(row.approver_id))
    vouchers = {
        v.redemption_id: v
        for v in session.scalars(sa.select(Voucher).where(Voucher.redemption_id.in_(ids)))
    }
    appeals = {
        a.redemption_id: a
        for a in session.scalars(sa.select(Appeal).where(Appeal.redemption_id.in_(ids)))
    }
    return [
        _view(r, approvals.get(r.id, []), vouchers.get(r.id), appeals.get(r.id))
        for r in redemptions
    ]


def _view(
    r: Redemption, approvals: list[str], voucher: Voucher | None, appeal: Appeal | None
) -> dict[str, Any]:
    return {
        "id": r.id,
        "member_id": r.member_id,
        "reward_id": r.reward_id,
        "round_id": r.round_id,
        "status": r.status,
        "cost": r.cost,
        "points_held": r.cost if r.status in states.HOLDING else 0,
        "approvals": approvals,
        "approvers_needed": int(r.terms.get("approvers_needed", 0)),
        "voucher_code": voucher.code if voucher else None,
        "voucher_status": voucher.status if voucher else None,
        "reward": {k: r.terms.get(k) for k in ("name", "name_en", "category", "cost")},
        "form": r.form,
        "reason": r.reason,
        "rank": r.rank,
        "community_id": r.community_id,
        "deadline": r.deadline,
        "created_at": r.created_at,
        "appeal": None
        if appeal is None
        else {
            "reason": appeal.reason,
            "status": appeal.status,
            "decided_by": appeal.decided_by,
            "decision_reason": appeal.decision_reason,
        },
    }
