"""The points service's tables."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.dialects.postgresql import UUID

from common.db import new_metadata
from common.tables import plumbing_tables


class Base(so.DeclarativeBase):
    metadata = new_metadata()


plumbing = plumbing_tables(Base.metadata)


class Account(Base):
    """A member's balance, stored so that reading it costs the same however long the history."""

    __tablename__ = "accounts"
    __table_args__ = (
        sa.CheckConstraint("available >= 0", name="available_not_negative"),
        sa.CheckConstraint("held >= 0", name="held_not_negative"),
    )

    member_id: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True), primary_key=True)
    available: so.Mapped[int] = so.mapped_column(sa.BigInteger, server_default=sa.text("0"))
    held: so.Mapped[int] = so.mapped_column(sa.BigInteger, server_default=sa.text("0"))
    lifetime_earned: so.Mapped[int] = so.mapped_column(sa.BigInteger, server_default=sa.text("0"))
