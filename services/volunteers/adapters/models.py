"""The volunteers service's tables."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.dialects.postgresql import UUID

from common.db import new_metadata
from common.tables import plumbing_tables


class Base(so.DeclarativeBase):
    metadata = new_metadata()


plumbing = plumbing_tables(Base.metadata)

ORGANIZATION_KINDS = ("street", "community", "grid", "team", "station")


class Organization(Base):
    __tablename__ = "organizations"
    __table_args__ = (
        sa.CheckConstraint(
            "kind IN ('street', 'community', 'grid', 'team', 'station')", name="kind"
        ),
        sa.CheckConstraint("radius_m IS NULL OR radius_m > 0", name="radius_positive"),
    )

    id: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True), primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    kind: so.Mapped[str] = so.mapped_column(sa.String(20), index=True)
    parent_id: so.Mapped[uuid.UUID | None] = so.mapped_column(
        sa.ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    lat: so.Mapped[float | None] = so.mapped_column(sa.Float)
    lng: so.Mapped[float | None] = so.mapped_column(sa.Float)
    radius_m: so.Mapped[int | None] = so.mapped_column(sa.Integer)
    created_at: so.Mapped[datetime] = so.mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
