"""Stock: one counter per reward, moved only by conditional updates.

Taking a unit is ``UPDATE ... SET stock_remaining = stock_remaining - 1 WHERE
stock_remaining > 0``: of any number of concurrent requests, exactly as many succeed
as there are units, and the CHECK constraint stands behind it.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.errors import Conflict
from services.rewards.adapters.models import Redemption, Reward


def none_left(reward: Reward) -> bool:
    """Whether the reward read a moment ago had no unit left: a burst's late requests are
    told so before any further work (``take_one`` still decides, under its row lock)."""
    return reward.stock_total is not None and reward.stock_remaining == 0


OUT_OF_STOCK = "This reward is out of stock."


def take_one(session: Session, reward: Reward) -> bool:
    """Reserve one unit; False for unlimited rewards (nothing to reserve)."""
    if reward.stock_total is None:
        return False
    taken = session.execute(
        sa.update(Reward)
        .where(Reward.id == reward.id, Reward.stock_remaining > 0)
        .values(stock_remaining=Reward.stock_remaining - 1)
        .returning(Reward.stock_remaining)
        .execution_options(synchronize_session=False)
    ).first()
    if taken is None:
        raise Conflict(OUT_OF_STOCK, kind="out-of-stock")
    return True


def give_back(session: Session, redemption: Redemption) -> None:
    """Return the unit a redemption reserved, once (``stock_reserved`` says whether it has one)."""
    if not redemption.stock_reserved:
        return
    redemption.stock_reserved = False
    session.execute(
        sa.update(Reward)
        .where(Reward.id == redemption.reward_id, Reward.stock_remaining.is_not(None))
        .values(stock_remaining=Reward.stock_remaining + 1)
        .execution_options(synchronize_session=False)
    )
