"""The volunteers service's tables."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.dialects.postgresql import JSONB, UUID

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


def _uuid_pk() -> so.Mapped[uuid.UUID]:
    return so.mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)


def _created() -> so.Mapped[datetime]:
    return so.mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


def _org_fk(nullable: bool = False) -> so.Mapped[Any]:
    return so.mapped_column(
        sa.ForeignKey("organizations.id", ondelete="RESTRICT"), index=True, nullable=nullable
    )


class Member(Base):
    """A member's profile, created on first use from the access token's subject."""

    __tablename__ = "members"

    id: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True), primary_key=True)
    display_name: so.Mapped[str] = so.mapped_column(sa.String(200))
    home_community_id: so.Mapped[uuid.UUID | None] = _org_fk(nullable=True)
    rider_platform: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    rider_number: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    party_branch: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    party_community_id: so.Mapped[uuid.UUID | None] = so.mapped_column(
        sa.ForeignKey("organizations.id", ondelete="RESTRICT"), nullable=True
    )
    party_registered_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    record_number: so.Mapped[str | None] = so.mapped_column(sa.String(40), unique=True)
    created_at: so.Mapped[datetime] = _created()
    updated_at: so.Mapped[datetime] = so.mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now(), onupdate=sa.func.now()
    )


class Activity(Base):
    __tablename__ = "activities"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
    )

    id: so.Mapped[uuid.UUID] = _uuid_pk()
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    location: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    organization_id: so.Mapped[uuid.UUID] = _org_fk()
    starts_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), index=True)
    ends_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True))
    capacity: so.Mapped[int | None] = so.mapped_column(sa.Integer)
    signup_count: so.Mapped[int] = so.mapped_column(sa.Integer, default=0)
    created_by: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True))
    created_at: so.Mapped[datetime] = _created()


class ActivitySignup(Base):
    __tablename__ = "activity_signups"

    activity_id: so.Mapped[uuid.UUID] = so.mapped_column(
        sa.ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: so.Mapped[uuid.UUID] = so.mapped_column(
        sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: so.Mapped[datetime] = _created()


HOURS_STATUSES = ("pending", "approved", "rejected")
HOURS_SOURCES = ("self", "coordinator", "attendance")


class HoursEntry(Base):
    __tablename__ = "hours"
    __table_args__ = (
        sa.CheckConstraint("ended_at > started_at", name="ends_after_start"),
        sa.CheckConstraint("minutes > 0", name="minutes_positive"),
        sa.CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status"),
        sa.CheckConstraint("source IN ('self', 'coordinator', 'attendance')", name="source"),
        sa.Index("ix_hours_member_started", "member_id", "started_at"),
        sa.Index("ix_hours_org_status_created", "organization_id", "status", "created_at"),
    )

    id: so.Mapped[uuid.UUID] = _uuid_pk()
    member_id: so.Mapped[uuid.UUID] = so.mapped_column(
        sa.ForeignKey("members.id", ondelete="RESTRICT")
    )
    organization_id: so.Mapped[uuid.UUID] = so.mapped_column(
        sa.ForeignKey("organizations.id", ondelete="RESTRICT")
    )
    activity_id: so.Mapped[uuid.UUID | None] = so.mapped_column(
        sa.ForeignKey("activities.id", ondelete="RESTRICT"), index=True
    )
    started_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True))
    ended_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True))
    minutes: so.Mapped[int] = so.mapped_column(sa.Integer)
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    source: so.Mapped[str] = so.mapped_column(sa.String(20))
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default="pending")
    entered_by: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True))
    decided_by: so.Mapped[uuid.UUID | None] = so.mapped_column(UUID(as_uuid=True))
    decided_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    reject_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    event_id: so.Mapped[uuid.UUID | None] = so.mapped_column(UUID(as_uuid=True))
    created_at: so.Mapped[datetime] = _created()


class ReportCategory(Base):
    """Safety report categories are data, not code: a city can add its own."""

    __tablename__ = "report_categories"

    code: so.Mapped[str] = so.mapped_column(sa.String(50), primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    position: so.Mapped[int] = so.mapped_column(sa.Integer, default=0)
    active: so.Mapped[bool] = so.mapped_column(sa.Boolean, default=True)


REPORT_STATUSES = ("submitted", "verified", "dispatched", "resolved", "rejected")


class Report(Base):
    __tablename__ = "reports"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('submitted', 'verified', 'dispatched', 'resolved', 'rejected')",
            name="status",
        ),
        sa.CheckConstraint(
            "close_reason IS NULL OR close_reason IN ('fixed', 'not_fixable', 'duplicate', "
            "'referred')",
            name="close_reason",
        ),
        sa.CheckConstraint("source IN ('app', 'open311')", name="source"),
        sa.Index("ix_reports_category_created", "category", "created_at"),
        sa.Index("ix_reports_reporter_created", "reporter_id", "created_at"),
        sa.Index("ix_reports_org_status_created", "organization_id", "status", "created_at"),
    )

    id: so.Mapped[uuid.UUID] = _uuid_pk()
    reporter_id: so.Mapped[uuid.UUID | None] = so.mapped_column(
        sa.ForeignKey("members.id", ondelete="RESTRICT")
    )
    source: so.Mapped[str] = so.mapped_column(sa.String(20), default="app")
    # when the rider saw the hazard (a report queued offline is sent later); None: at sending
    observed_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    source_client: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    category: so.Mapped[str] = so.mapped_column(
        sa.ForeignKey("report_categories.code", ondelete="RESTRICT")
    )
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    lat: so.Mapped[float] = so.mapped_column(sa.Float)
    lng: so.Mapped[float] = so.mapped_column(sa.Float)
    address: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    organization_id: so.Mapped[uuid.UUID | None] = so.mapped_column(
        sa.ForeignKey("organizations.id", ondelete="RESTRICT")
    )
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default="submitted")
    duplicate_of: so.Mapped[uuid.UUID | None] = so.mapped_column(
        sa.ForeignKey("reports.id", ondelete="RESTRICT"), index=True
    )
    verified_by: so.Mapped[uuid.UUID | None] = so.mapped_column(UUID(as_uuid=True))
    verified_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    verified_event_id: so.Mapped[uuid.UUID | None] = so.mapped_column(UUID(as_uuid=True))
    dispatched_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    dispatch_note: so.Mapped[str | None] = so.mapped_column(sa.Text)
    resolved_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    resolution_note: so.Mapped[str | None] = so.mapped_column(sa.Text)
    close_reason: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    rejected_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    reject_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    confirmed_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    reopened_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    reopen_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    reopen_count: so.Mapped[int] = so.mapped_column(sa.Integer, default=0)
    created_at: so.Mapped[datetime] = _created()
    updated_at: so.Mapped[datetime] = so.mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now(), onupdate=sa.func.now()
    )


class ReportFollower(Base):
    """A member who met the same hazard and follows the open report ("me too")."""

    __tablename__ = "report_followers"

    report_id: so.Mapped[uuid.UUID] = so.mapped_column(
        sa.ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: so.Mapped[uuid.UUID] = so.mapped_column(
        sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: so.Mapped[datetime] = _created()


class ReportPhoto(Base):
    """A re-encoded photo of a report; the bytes live on disk under UPLOAD_DIR."""

    __tablename__ = "report_photos"

    id: so.Mapped[uuid.UUID] = _uuid_pk()
    report_id: so.Mapped[uuid.UUID] = so.mapped_column(
        sa.ForeignKey("reports.id", ondelete="CASCADE"), index=True
    )
    storage_key: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)
    content_type: so.Mapped[str] = so.mapped_column(sa.String(50))
    width: so.Mapped[int] = so.mapped_column(sa.Integer)
    height: so.Mapped[int] = so.mapped_column(sa.Integer)
    size_bytes: so.Mapped[int] = so.mapped_column(sa.Integer)
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[datetime] = _created()


class Checkin(Base):
    __tablename__ = "checkins"
    __table_args__ = (
        sa.UniqueConstraint(
            "member_id", "station_id", "day", name="uq_checkins_member_station_day"
        ),
        # a station's code proves one member's presence once: (station, code, member)
        sa.UniqueConstraint(
            "station_id", "code_expires", "member_id", name="uq_checkins_station_code_member"
        ),
        sa.Index("ix_checkins_station_code", "station_id", "code_expires"),
        sa.Index("ix_checkins_member_created", "member_id", "created_at"),
    )

    id: so.Mapped[uuid.UUID] = _uuid_pk()
    member_id: so.Mapped[uuid.UUID] = so.mapped_column(
        sa.ForeignKey("members.id", ondelete="RESTRICT")
    )
    station_id: so.Mapped[uuid.UUID] = _org_fk()
    organization_id: so.Mapped[uuid.UUID] = so.mapped_column(
        sa.ForeignKey("organizations.id", ondelete="RESTRICT")
    )
    day: so.Mapped[date] = so.mapped_column(sa.Date)
    lat: so.Mapped[float] = so.mapped_column(sa.Float)
    lng: so.Mapped[float] = so.mapped_column(sa.Float)
    distance_m: so.Mapped[float] = so.mapped_column(sa.Float)
    # the expiry (unix seconds) of the station code used: which code it was
    code_expires: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)
    created_at: so.Mapped[datetime] = _created()


TASK_STATUSES = ("open", "claimed", "done", "confirmed", "cancelled")


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        sa.CheckConstraint(
            "kind IN ('practical_matter', 'dispute_mediation', 'policy_outreach', "
            "'volunteer_service')",
            name="kind",
        ),
        sa.CheckConstraint(
            "status IN ('open', 'claimed', 'done', 'confirmed', 'cancelled')", name="status"
        ),
        sa.Index("ix_tasks_org_status_created", "organization_id", "status", "created_at"),
    )

    id: so.Mapped[uuid.UUID] = _uuid_pk()
    organization_id: so.Mapped[uuid.UUID] = so.mapped_column(
        sa.ForeignKey("organizations.id", ondelete="RESTRICT")
    )
    kind: so.Mapped[str] = so.mapped_column(sa.String(30))
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    due_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default="open")
    posted_by: so.Mapped[uuid.UUID] = so.mapped_column(UUID(as_uuid=True))
    claimed_by: so.Mapped[uuid.UUID | None] = so.mapped_column(
        sa.ForeignKey("members.id", ondelete="RESTRICT"), index=True
    )
    claimed_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    done_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    done_note: so.Mapped[str | None] = so.mapped_column(sa.Text)
    confirmed_by: so.Mapped[uuid.UUID | None] = so.mapped_column(UUID(as_uuid=True))
    confirmed_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    created_at: so.Mapped[datetime] = _created()


class Flag(Base):
    """An unusual pattern for an admin to review (one approver paying the same member, a
    burst of hours or reports, a crowd on one station code, an implausible journey, a report
    re-filed where one was just resolved). A flag never blocks anything by itself, except
    that a re-filed report's points wait for its review (``released``)."""

    __tablename__ = "flags"
    __table_args__ = (sa.Index("ix_flags_reviewed_created", "reviewed_at", "created_at"),)

    id: so.Mapped[uuid.UUID] = _uuid_pk()
    kind: so.Mapped[str] = so.mapped_column(sa.String(40), index=True)
    # the member the pattern is about; None when it is about a place (a crowded station)
    member_id: so.Mapped[uuid.UUID | None] = so.mapped_column(UUID(as_uuid=True), index=True)
    details: so.Mapped[dict[str, Any]] = so.mapped_column(JSONB, default=dict)
    # one flag per pattern: a second sighting of the same one is not a second flag
    dedupe_key: so.Mapped[str | None] = so.mapped_column(sa.String(200), unique=True)
    created_at: so.Mapped[datetime] = _created()
    reviewed_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True))
    reviewed_by: so.Mapped[uuid.UUID | None] = so.mapped_column(UUID(as_uuid=True))
    review_note: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # the review let through what the flag held back (a re-filed report's points)
    released: so.Mapped[bool] = so.mapped_column(sa.Boolean, default=False)
