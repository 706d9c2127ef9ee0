"""The CSV export of redemptions for a period, written row by row as the database yields
them (a district's year does not fit in memory). No personal ID numbers: the export has
no form answers (where a form might ask for one) and names members by their opaque id."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.rewards.adapters.models import Redemption, Voucher
from services.rewards.usecases.actors import Actor

COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "status",
    "reward_id",
    "reward_name",
    "category",
    "cost",
    "member_id",
    "community_id",
    "round_id",
    "rank",
    "decided_by",
    "reason",
    "voucher_status",
)


def export_rows(
    session: Session, actor: Actor, start: datetime | None, end: datetime | None
) -> Iterator[str]:
    """CSV text, a header then one line per redemption made in [start, end)."""
    actor.require_reward_admin()
    query = (
        sa.select(Redemption, Voucher.status.label("voucher_status"))
        .outerjoin(Voucher, Voucher.redemption_id == Redemption.id)
        .order_by(Redemption.created_at, Redemption.id)
        .execution_options(yield_per=500)
    )
    if start is not None:
        query = query.where(Redemption.created_at >= start)
    if end is not None:
        query = query.where(Redemption.created_at < end)
    return _lines(session, query)


def _lines(session: Session, query: sa.Select[Redemption, str]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(COLUMNS)
    yield flush()
    for redemption, voucher_status in session.execute(query):
        writer.writerow(_row(redemption, voucher_status))
        yield flush()
    session.rollback()


def _row(r: Redemption, voucher_status: str | None) -> list[object]:
    terms = r.terms
    return [
        r.id,
        r.created_at.isoformat(),
        r.updated_at.isoformat(),
        r.status,
        r.reward_id,
        _safe(terms.get("name", "")),
        terms.get("category", ""),
        r.cost,
        r.member_id,
        r.community_id or "",
        r.round_id or "",
        r.rank if r.rank is not None else "",
        r.decided_by or "",
        _safe(r.reason or ""),
        voucher_status or "",
    ]


def _safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
