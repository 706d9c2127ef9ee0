"""Watching for unusual patterns and flagging them for an admin (``usecases/flags.py``).

Each watcher runs in the transaction of the change it looks at, after the change is
flushed, and only ever adds a flag: it never refuses the change itself. The thresholds
are ``VolunteersConfig.flags`` (docs/volunteers.md, "Flags")."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.volunteers.adapters.models import Checkin, HoursEntry, Organization, Report, Task
from services.volunteers.config import FlagLimits, VolunteersConfig
from services.volunteers.domain import reports as report_rules
from services.volunteers.domain.geo import bounding_box, haversine_m
from services.volunteers.usecases.flags import raise_flag
from services.volunteers.usecases.rows import now_utc

WEEK = timedelta(days=7)
DAY = timedelta(days=1)


def _day(cfg: VolunteersConfig, now: datetime) -> str:
    """Today in the district: a flag of the day is raised once in it."""
    return now.astimezone(cfg.district_timezone).date().isoformat()


def watch_approval(
    db: Session, approver_id: uuid.UUID, member_id: uuid.UUID, cfg: VolunteersConfig
) -> None:
    """One coordinator paying the same member (hours approved, tasks confirmed) more than
    ``approvals_per_week`` times in 7 days: a coordinator and a friend, or a second account."""
    since = now_utc() - WEEK
    hours = sa.select(sa.func.count()).where(
        HoursEntry.decided_by == approver_id,
        HoursEntry.member_id == member_id,
        HoursEntry.status == "approved",
        HoursEntry.decided_at > since,
    )
    tasks = sa.select(sa.func.count()).where(
        Task.confirmed_by == approver_id,
        Task.claimed_by == member_id,
        Task.status == "confirmed",
        Task.confirmed_at > since,
    )
    approvals = (db.scalar(hours) or 0) + (db.scalar(tasks) or 0)
    if approvals > cfg.flags.approvals_per_week:
        raise_flag(
            db,
            "repeated-approver",
            member_id,
            {"approver_id": str(approver_id), "approvals": approvals, "days": 7},
            dedupe_key=f"repeated-approver:{approver_id}:{member_id}:{_day(cfg, now_utc())}",
        )


def watch_hours_logged(db: Session, member_id: uuid.UUID, cfg: VolunteersConfig) -> None:
    """More than ``hours_entries_per_day`` entries logged for one member in 24 hours."""
    now = now_utc()
    entries = db.scalar(
        sa.select(sa.func.count()).where(
            HoursEntry.member_id == member_id, HoursEntry.created_at > now - DAY
        )
    )
    if entries is not None and entries > cfg.flags.hours_entries_per_day:
        raise_flag(
            db,
            "hours-burst",
            member_id,
            {"entries": entries, "hours": 24},
            dedupe_key=f"hours-burst:{member_id}:{_day(cfg, now)}",
        )


def watch_report(db: Session, report: Report, cfg: VolunteersConfig) -> None:
    """A burst of reports from one rider, and a report where one was lately resolved."""
    assert report.reporter_id is not None
    now = now_utc()
    count = db.scalar(
        sa.select(sa.func.count()).where(
            Report.reporter_id == report.reporter_id, Report.created_at > now - DAY
        )
    )
    if count is not None and count > cfg.flags.reports_per_day:
        raise_flag(
            db,
            "reports-burst",
            report.reporter_id,
            {"reports": count, "hours": 24},
            dedupe_key=f"reports-burst:{report.reporter_id}:{_day(cfg, now)}",
        )
    if report.duplicate_of is None:
        _watch_refile(db, report, now - timedelta(days=cfg.flags.refile_days))


def _watch_refile(db: Session, report: Report, since: datetime) -> None:
    """A new report of a category within the duplicate radius of one resolved since
    ``since``: the fix failed, or someone is paid twice for one lamp. Its points wait for
    an admin's review of the flag (``report_states.verify_report``)."""
    radius = report_rules.DUPLICATE_RADIUS_M
    min_lat, max_lat, min_lng, max_lng = bounding_box(report.lat, report.lng, radius)
    rows = db.execute(
        sa.select(Report.id, Report.lat, Report.lng).where(
            Report.category == report.category,
            Report.status == "resolved",
            Report.resolved_at > since,
            Report.lat.between(min_lat, max_lat),
            Report.lng.between(min_lng, max_lng),
        )
    ).all()
    near = [
        (haversine_m(report.lat, report.lng, row.lat, row.lng), str(row.id))
        for row in rows
        if haversine_m(report.lat, report.lng, row.lat, row.lng) <= radius
    ]
    if near:
        raise_flag(
            db,
            "report-refiled",
            report.reporter_id,
            {"report_id": str(report.id), "resolved_report_id": min(near)[1]},
            dedupe_key=refile_key(report.id),
        )


def refile_key(report_id: uuid.UUID) -> str:
    return f"report-refiled:{report_id}"


def watch_checkin(db: Session, checkin: Checkin, station: Organization, limits: FlagLimits) -> None:
    _watch_crowd(db, checkin, limits)
    _watch_speed(db, checkin, station, limits)


def _watch_crowd(db: Session, checkin: Checkin, limits: FlagLimits) -> None:
    """Many members on one code: a code passed round a chat group looks like this (and so
    does a training day at the station, which is why it is a flag and not a refusal)."""
    members = db.scalar(
        sa.select(sa.func.count(sa.distinct(Checkin.member_id))).where(
            Checkin.station_id == checkin.station_id,
            Checkin.code_expires == checkin.code_expires,
        )
    )
    if members is not None and members >= limits.checkin_crowd:
        raise_flag(
            db,
            "checkin-crowd",
            None,
            {
                "station_id": str(checkin.station_id),
                "code_expires": checkin.code_expires,
                "members": members,
            },
            dedupe_key=f"checkin-crowd:{checkin.station_id}:{checkin.code_expires}",
        )


def _watch_speed(db: Session, checkin: Checkin, station: Organization, limits: FlagLimits) -> None:
    """The member's previous check-in, at a station too far away for the time between."""
    previous = db.execute(
        sa.select(
            Checkin.id, Checkin.station_id, Checkin.created_at, Organization.lat, Organization.lng
        )
        .join(Organization, Organization.id == Checkin.station_id)
        .where(
            Checkin.member_id == checkin.member_id,
            Checkin.id != checkin.id,
            Checkin.created_at <= checkin.created_at,
            Checkin.created_at > checkin.created_at - timedelta(days=1),
        )
        .order_by(Checkin.created_at.desc())
        .limit(1)
    ).first()
    if previous is None or previous.station_id == checkin.station_id:
        return
    assert station.lat is not None and station.lng is not None
    distance = haversine_m(previous.lat, previous.lng, station.lat, station.lng)
    seconds = max((checkin.created_at - previous.created_at).total_seconds(), 1.0)
    speed_kmh = distance / seconds * 3.6
    if speed_kmh > limits.max_speed_kmh:
        raise_flag(
            db,
            "implausible-speed",
            checkin.member_id,
            {
                "from_station_id": str(previous.station_id),
                "to_station_id": str(checkin.station_id),
                "checkin_ids": [str(previous.id), str(checkin.id)],
                "distance_m": round(distance),
                "minutes": round(seconds / 60, 1),
                "speed_kmh": round(speed_kmh),
            },
            dedupe_key=f"implausible-speed:{checkin.id}",
        )
