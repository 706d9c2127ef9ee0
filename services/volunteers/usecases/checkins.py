"""Stations' rotating check-in codes, and members' check-ins (once a day per station)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from redis import Redis
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from common.errors import Conflict, Invalid, TooMany
from common.ratelimit import GuessCounter, Slowdown
from common.tokens import Principal
from services.volunteers.adapters.models import Checkin, Organization
from services.volunteers.config import VolunteersConfig
from services.volunteers.domain.geo import haversine_m
from services.volunteers.domain.signing import (
    StationCode,
    check_station_code,
    issue_station_code,
    short_code_typed,
)
from services.volunteers.usecases import patterns
from services.volunteers.usecases.members import ensure_member
from services.volunteers.usecases.paging import PageQuery, page
from services.volunteers.usecases.rows import announce, found_or_error, now_utc
from services.volunteers.usecases.scope import require_scope
from suite.events import CheckinRecorded

QR_PREFIX = "civic-checkin:"

# Six typed digits can be guessed where a signed code cannot: a member gets a few wrong
# ones free, then waits that double with each (2 s, 4 s, ... 5 min). Two codes of a
# station are valid at a time, so a guess hits one time in 500,000.
SHORT_CODE_GUESSES = Slowdown("checkin-short-code", free=5, base_seconds=2, cap_seconds=300)


def short_code_guesses(redis: Redis) -> GuessCounter:
    return GuessCounter(redis, SHORT_CODE_GUESSES)


@dataclass(frozen=True)
class CheckIn:
    station_id: uuid.UUID
    # the station's code, or the whole scanned QR payload
    code: str
    lat: float
    lng: float


def qr_payload(station_id: uuid.UUID, code: str) -> str:
    return f"{QR_PREFIX}{station_id}:{code}"


def _has_place(station: Organization) -> bool:
    return None not in (station.lat, station.lng, station.radius_m)


def station_code(
    db: Session, principal: Principal, station_id: uuid.UUID, cfg: VolunteersConfig
) -> StationCode:
    station = found_or_error(db, Organization, station_id, "station")
    require_scope(db, principal, station.id)
    if not _has_place(station):
        raise Conflict(
            "Check-ins need an organisation with a position and a radius.", kind="not-a-station"
        )
    return issue_station_code(cfg.code_key, station.id, now_utc().timestamp(), cfg.code_ttl)


def _check_code(station: Organization, code: str, cfg: VolunteersConfig, now: float) -> int:
    code = code.strip()
    if code.startswith(QR_PREFIX):
        # the app may send what it scanned: civic-checkin:<station_id>:<code>
        scanned_station, _, code = code[len(QR_PREFIX) :].partition(":")
        if scanned_station.lower() != str(station.id):
            raise Invalid.field(
                "code", "This QR code belongs to another station.", kind="invalid-code"
            )
    return check_station_code(cfg.code_key, station.id, code, now, cfg.code_ttl)


def _distance_within(station: Organization, command: CheckIn) -> float:
    assert station.lat is not None and station.lng is not None and station.radius_m is not None
    distance = haversine_m(command.lat, command.lng, station.lat, station.lng)
    if distance > station.radius_m:
        message = (
            f"You are {distance:.0f} m from the station; check in within {station.radius_m} m."
        )
        raise Invalid(
            message,
            kind="outside-station",
            errors={"lat": [message], "lng": [message]},
            extra={"distance_m": round(distance)},
        )
    return distance


def check_in(
    db: Session,
    principal: Principal,
    command: CheckIn,
    cfg: VolunteersConfig,
    guesses: GuessCounter,
) -> Checkin:
    """Check in with the station's current code (signed, or its six digits typed), from
    within its radius; once a day, and each code once per member. Wrong typed codes slow
    the member down. Crowds on one code and impossible journeys are flagged."""
    now = now_utc()
    station = db.get(Organization, command.station_id)
    if station is None or not _has_place(station):
        raise Invalid.field("station_id", "No station has this id.")
    typed = short_code_typed(command.code) is not None
    if typed:
        _let_guess(guesses, principal.id, now.timestamp())
    code_expires = _check_code(station, command.code, cfg, now.timestamp())
    if typed:
        guesses.clear(str(principal.id))
    distance = _distance_within(station, command)
    ensure_member(db, principal)
    checkin = Checkin(
        id=uuid.uuid4(),
        member_id=principal.id,
        station_id=station.id,
        organization_id=station.parent_id or station.id,
        day=now.astimezone(cfg.district_timezone).date(),
        lat=command.lat,
        lng=command.lng,
        distance_m=round(distance, 1),
        code_expires=code_expires,
        created_at=now,
    )
    _insert_once(db, checkin)
    patterns.watch_checkin(db, checkin, station, cfg.flags)
    announce(
        db,
        CheckinRecorded(
            checkin_id=checkin.id,
            member_id=principal.id,
            station_id=station.id,
            organization_id=checkin.organization_id,
            day=checkin.day,
        ),
    )
    return checkin


def _let_guess(guesses: GuessCounter, member_id: uuid.UUID, now: float) -> None:
    guess = guesses.guess(str(member_id), now)
    if not guess.allowed:
        raise TooMany(
            f"Too many wrong codes; try again in {guess.wait} seconds.",
            kind="too-many-code-guesses",
            retry_after=guess.wait,
        )


def _insert_once(db: Session, checkin: Checkin) -> None:
    """Add the check-in; the unique constraints decide, also between concurrent ones: one a
    day per member and station, and one per member for each code the station showed."""
    try:
        with db.begin_nested():
            db.add(checkin)
    except IntegrityError as exc:
        diagnostics = getattr(exc.orig, "diag", None)
        if getattr(diagnostics, "constraint_name", "") == "uq_checkins_station_code_member":
            raise Conflict(
                "This code has already checked you in; scan the station's current code.",
                kind="code-used",
            ) from None
        raise Conflict(
            "You have already checked in at this station today.", kind="already-checked-in"
        ) from None


def my_checkins(db: Session, principal: Principal, query: PageQuery) -> dict[str, Any]:
    """The caller's check-ins, newest first."""
    select = (
        sa.select(Checkin)
        .where(Checkin.member_id == principal.id)
        .order_by(Checkin.created_at.desc(), Checkin.id.desc())
    )
    return page(db, select, query, Checkin.created_at, Checkin.id, descending=True)
