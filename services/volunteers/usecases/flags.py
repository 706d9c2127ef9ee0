"""Flags: unusual patterns set aside for an admin's review (docs/security.md, "Volunteers:
nobody pays themselves"). Raising one never fails the request that saw the pattern."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from services.volunteers.adapters.models import Flag
from services.volunteers.usecases.paging import PageQuery, filtered, page

FLAG_KINDS = (
    "repeated-approver",  # one coordinator paying the same member again and again
    "hours-burst",  # many hours entries for one member in a day
    "reports-burst",  # many reports from one rider in a day
    "checkin-crowd",  # many members checking in with one station code
    "implausible-speed",  # one member's check-ins too far apart for the time between them
    "report-refiled",  # a report where one of its kind was lately resolved
)


@dataclass(frozen=True)
class FlagQuery(PageQuery):
    kind: str | None = None
    # None: all; True: reviewed ones; False: those still waiting
    reviewed: bool | None = None


def raise_flag(
    db: Session,
    kind: str,
    member_id: uuid.UUID | None,
    details: dict[str, Any],
    dedupe_key: str | None = None,
) -> None:
    """Set a pattern aside for review; with ``dedupe_key``, once however often it is seen
    (also between concurrent requests: the key is unique)."""
    assert kind in FLAG_KINDS, kind
    db.execute(
        pg_insert(Flag)
        .values(
            id=uuid.uuid4(),
            kind=kind,
            member_id=member_id,
            details=details,
            dedupe_key=dedupe_key,
            released=False,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
    )


def flag_by_key(db: Session, dedupe_key: str) -> Flag | None:
    return db.scalar(sa.select(Flag).where(Flag.dedupe_key == dedupe_key))


def list_flags(db: Session, query: FlagQuery) -> dict[str, Any]:
    """Flags, newest first, of one ``kind`` and reviewed or not when asked."""
    select = sa.select(Flag).order_by(Flag.created_at.desc(), Flag.id.desc())
    select = filtered(select, (Flag.kind, query.kind))
    if query.reviewed is not None:
        reviewed = Flag.reviewed_at.is_not(None)
        select = select.where(reviewed if query.reviewed else sa.not_(reviewed))
    return page(db, select, query, Flag.created_at, Flag.id, descending=True)
