"""The audit log: every administrator action, who, when, what, before and after."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.rewards.adapters.models import AuditEntry
from services.rewards.usecases.actors import Actor


def record(
    session: Session,
    actor: Actor,
    action: str,
    target: tuple[str, uuid.UUID | str],
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Append one entry; ``target`` is (kind, id), e.g. ("redemption", its id)."""
    kind, ident = target
    session.add(
        AuditEntry(
            actor_id=actor.id,
            actor_roles=sorted(actor.roles),
            action=action,
            target_type=kind,
            target_id=str(ident),
            before=before,
            after=after,
        )
    )


def entries_since(
    session: Session, actor: Actor, since: datetime | None, after_id: int | None, limit: int
) -> list[AuditEntry]:
    """The log in the order it was written, from ``since`` on (reward_admin, admin)."""
    actor.require_reward_admin()
    query = sa.select(AuditEntry).order_by(AuditEntry.id).limit(limit)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if after_id is not None:
        query = query.where(AuditEntry.id > after_id)
    return list(session.scalars(query))
