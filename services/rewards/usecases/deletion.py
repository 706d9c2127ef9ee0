"""A deleted member in the rewards service: form answers cleared, notifications removed.
Redemptions, vouchers, standings and the audit log keep the member's id (their
integrity), which names nobody once the gateway dropped the name."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.rewards.adapters.models import Notification, Redemption


def anonymise(session: Session, member_id: uuid.UUID) -> None:
    session.execute(sa.update(Redemption).where(Redemption.member_id == member_id).values(form={}))
    session.execute(sa.delete(Notification).where(Notification.member_id == member_id))
