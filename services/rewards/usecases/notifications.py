"""A member's inbox: what became of their redemptions, appeals, rounds, hours and reports.

Each notice is written in Chinese and English; the inbox answers in the reader's language.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.rewards.adapters.models import Notification


@dataclass(frozen=True)
class Notice:
    kind: str
    title_zh: str
    body_zh: str
    title_en: str
    body_en: str
    data: dict[str, Any]


def notify(session: Session, member_id: uuid.UUID, notice: Notice) -> None:
    session.add(
        Notification(
            id=uuid.uuid4(),
            member_id=member_id,
            kind=notice.kind,
            title=notice.title_zh,
            body=notice.body_zh,
            data={**notice.data, "title_en": notice.title_en, "body_en": notice.body_en},
        )
    )


def inbox_query(member_id: uuid.UUID, unread_only: bool) -> sa.Select[Notification]:
    query = sa.select(Notification).where(Notification.member_id == member_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return query.order_by(Notification.created_at.desc(), Notification.id.desc())


def unread_count(session: Session, member_id: uuid.UUID) -> int:
    return int(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.member_id == member_id, Notification.read_at.is_(None))
        )
        or 0
    )


def mark_read(session: Session, member_id: uuid.UUID, ids: list[uuid.UUID]) -> int:
    """Mark the member's own notices read (others' ids are ignored); how many changed."""
    result = session.execute(
        sa.update(Notification)
        .where(
            Notification.member_id == member_id,
            Notification.id.in_(ids),
            Notification.read_at.is_(None),
        )
        .values(read_at=sa.func.now())
    )
    return int(getattr(result, "rowcount", 0) or 0)


def in_language(notification: Notification, english: bool) -> dict[str, Any]:
    data = dict(notification.data)
    title_en, body_en = data.pop("title_en", None), data.pop("body_en", None)
    return {
        "id": notification.id,
        "kind": notification.kind,
        "title": title_en if english and title_en else notification.title,
        "body": body_en if english and body_en else notification.body,
        "data": data,
        "created_at": notification.created_at,
        "read_at": notification.read_at,
    }
