"""Vouchers: checked and redeemed once by a reward administrator, or by a provider account
named on the reward (``provider_ids``). The check says nothing about the member."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.errors import Conflict, Forbidden, NotFound
from common.transaction import unit_of_work
from services.rewards.adapters.models import Redemption, Reward, Voucher
from services.rewards.domain import redemptions as states
from services.rewards.domain.redemptions import parse_voucher_code
from services.rewards.usecases import audit
from services.rewards.usecases.actors import Actor
from services.rewards.usecases.notices import notice
from services.rewards.usecases.notifications import notify


def _find(session: Session, actor: Actor, text: str, lock: bool) -> tuple[Voucher, Reward]:
    if not (actor.is_reward_admin or actor.is_provider):
        raise Forbidden("This needs one of the roles: admin, reward_admin, provider.")
    code = parse_voucher_code(text)
    query = sa.select(Voucher).where(Voucher.code == code)
    voucher = session.scalars(query.with_for_update() if lock else query).first()
    reward = session.get(Reward, voucher.reward_id) if voucher else None
    # a provider learns nothing of vouchers of rewards it does not fulfil, not even that
    # they exist
    if (
        voucher is None
        or reward is None
        or not (actor.is_reward_admin or actor.id in reward.provider_ids)
    ):
        raise NotFound.of("voucher")
    return voucher, reward


def _public(voucher: Voucher, reward: Reward) -> dict[str, Any]:
    return {
        "status": voucher.status,
        "reward": {
            "id": reward.id,
            "name": reward.name,
            "name_en": reward.name_en,
            "category": reward.category,
        },
    }


def check(session: Session, actor: Actor, text: str) -> dict[str, Any]:
    """valid, used or cancelled, and which reward; nothing about the member."""
    voucher, reward = _find(session, actor, text, lock=False)
    return _public(voucher, reward)


def redeem(session: Session, actor: Actor, text: str) -> dict[str, Any]:
    """Use a voucher, once: its request is fulfilled; a second time is a 409."""
    with unit_of_work(session):
        voucher, reward = _find(session, actor, text, lock=True)
        if voucher.status != "valid":
            raise Conflict(
                f"This voucher is {voucher.status}; it cannot be used.",
                kind="voucher-not-valid",
                extra={"status": voucher.status},
            )
        voucher.status, voucher.used_at, voucher.used_by = "used", sa.func.now(), actor.id
        redemption = session.get(Redemption, voucher.redemption_id, with_for_update=True)
        assert redemption is not None  # a foreign key keeps it
        before = {"status": redemption.status, "voucher": "valid"}
        redemption.status = states.transition(redemption.status, "fulfil")
        notify(session, redemption.member_id, notice("redemption.fulfilled", redemption))
        audit.record(
            session,
            actor,
            "voucher.redeem",
            ("voucher", voucher.code),
            before,
            {"status": redemption.status, "voucher": "used"},
        )
        session.flush()
        return _public(voucher, reward)
