"""Leaderboards: a month's points per member, from the journal, cached in Redis boards."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

import sqlalchemy as sa
from redis import Redis
from sqlalchemy.orm import Session

from services.points.adapters import leaderboard as boards
from services.points.adapters.models import Transfer
from services.points.domain.ledger import AWARD, REVERSAL


@dataclass(frozen=True)
class Rank:
    rank: int
    member_id: uuid.UUID
    points: int


@dataclass(frozen=True)
class Leaderboard:
    organization_id: uuid.UUID | None
    period: str
    items: list[Rank] = field(default_factory=list)


def month_bounds(period: str, zone: tzinfo) -> tuple[datetime, datetime]:
    """The first moment of the district's month and of the next one."""
    start = datetime.strptime(period + "-01", "%Y-%m-%d")
    end = (start + timedelta(days=32)).replace(day=1)
    return start.replace(tzinfo=zone), end.replace(tzinfo=zone)


def scores(
    session: Session, organization_id: uuid.UUID | None, period: str, zone: tzinfo
) -> list[tuple[uuid.UUID, int]]:
    """A month's points per member, from the journal (awards less clawbacks)."""
    start, end = month_bounds(period, zone)
    signed = sa.case((Transfer.kind == AWARD, Transfer.amount), else_=-Transfer.amount)
    query = (
        sa.select(Transfer.member_id, sa.func.sum(signed).label("points"))
        .where(
            Transfer.kind.in_([AWARD, REVERSAL]),
            Transfer.occurred_at >= start,
            Transfer.occurred_at < end,
        )
        .group_by(Transfer.member_id)
        .having(sa.func.sum(signed) > 0)
    )
    if organization_id is not None:
        query = query.where(Transfer.organization_id == organization_id)
    return [(row.member_id, int(row.points)) for row in session.execute(query)]


def top(
    session: Session,
    redis: Redis,
    organization_id: uuid.UUID | None,
    period: str,
    limit: int,
    zone: tzinfo,
) -> Leaderboard:
    """The month's top earners of an organisation (None: the district), from the board in
    Redis, which is rebuilt from the journal when missing."""
    rows = boards.top(
        redis,
        organization_id,
        period,
        limit,
        lambda: scores(session, organization_id, period, zone),
    )
    return Leaderboard(
        organization_id,
        period,
        [Rank(n, member, points) for n, (member, points) in enumerate(rows, start=1)],
    )
