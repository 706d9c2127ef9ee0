"""A member's standing as the rewards service knows it: projected from events."""

from __future__ import annotations

import uuid
from typing import cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.rewards.adapters.models import Standing as StandingRow
from services.rewards.domain.standing import Levels, Standing

TABLE = cast(sa.Table, StandingRow.__table__)


def standing_of(session: Session, member_id: uuid.UUID, levels: Levels) -> Standing:
    """The member's standing; zero minutes and no community when no event told us more."""
    row = session.get(StandingRow, member_id)
    if row is None:
        return Standing(member_id, 0, None, levels)
    return Standing(member_id, row.lifetime_minutes, row.home_community_id, levels)


def add_minutes(session: Session, member_id: uuid.UUID, minutes: int) -> None:
    """Approved minutes add up (reversed ones, negative, never take it below zero)."""
    table = TABLE
    statement = insert(table).values(member_id=member_id, lifetime_minutes=max(0, minutes))
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.member_id],
            set_={
                "lifetime_minutes": sa.func.greatest(table.c.lifetime_minutes + minutes, 0),
                "updated_at": sa.func.now(),
            },
        )
    )


def set_home_community(
    session: Session, member_id: uuid.UUID, community_id: uuid.UUID | None
) -> None:
    table = TABLE
    statement = insert(table).values(member_id=member_id, home_community_id=community_id)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.member_id],
            set_={"home_community_id": community_id, "updated_at": sa.func.now()},
        )
    )
