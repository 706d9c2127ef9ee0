"""Watching for unusual patterns and flagging them for an admin (``usecases/flags.py``).

Each watcher runs in the transaction of the change it looks at, after the change is
flushed, and only ever adds a flag: it never refuses the change itself. The thresholds
are ``VolunteersConfig.flags`` (docs/volunteers.md, "Flags")."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.volunteers.adapters.models import Checkin, Organization
from services.volunteers.config import FlagLimits
from services.volunteers.domain.geo import haversine_m
from services.volunteers.usecases.flags import raise_flag


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
