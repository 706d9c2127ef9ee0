"""Safety reports: their states, what may happen in each, duplicates and the rider's say."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from common.errors import Conflict
from services.volunteers.domain.geo import haversine_m

DUPLICATE_RADIUS_M = 50.0
DUPLICATE_WINDOW = timedelta(hours=24)
OPEN_STATUSES = ("submitted", "verified", "dispatched")
CLOSED_STATUSES = ("resolved", "rejected")
CLOSE_REASONS = ("fixed", "not_fixable", "duplicate", "referred")

DEFAULT_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("blocked_fire_lane", "Blocked fire lane"),
    ("ebike_charging_indoors", "E-bike charging indoors"),
    ("missing_manhole_cover", "Missing manhole cover"),
    ("broken_street_light", "Broken street light"),
    ("road_damage", "Road damage"),
    ("falling_object_risk", "Falling-object risk"),
    ("water_or_gas_leak", "Water or gas leak"),
    ("other", "Other"),
)

# action -> the states it may start from, and the state it leads to
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "verify": (("submitted",), "verified"),
    "dispatch": (("verified",), "dispatched"),
    "resolve": (("submitted", "verified", "dispatched"), "resolved"),
    "reject": (("submitted", "verified", "dispatched"), "rejected"),
    "confirm": (("resolved",), "resolved"),
    "reopen": (("resolved",), "verified"),
}


def next_status(current: str, action: str) -> str:
    """The state ``action`` leads to from ``current``; :class:`Conflict` when it may not."""
    sources, target = TRANSITIONS[action]
    if current not in sources:
        raise Conflict(
            f"A {current} report cannot be {_past(action)}; "
            f"that needs a report that is {' or '.join(sources)}.",
            kind="wrong-state",
        )
    return target


def _past(action: str) -> str:
    return {
        "verify": "verified",
        "dispatch": "dispatched",
        "resolve": "resolved",
        "reject": "rejected",
        "confirm": "confirmed",
        "reopen": "reopened",
    }.get(action, action)


def reopen_target(verified_at: datetime | None) -> str:
    """A reopened report returns to the coordinators' queue: verified when it once was."""
    return "verified" if verified_at is not None else "submitted"


def check_rider_window(resolved_at: datetime | None, now: datetime, days: int) -> None:
    """A rider may confirm or reopen a resolved report within ``days`` of its resolution."""
    if resolved_at is None or now - resolved_at > timedelta(days=days):
        raise Conflict(
            f"A resolved report can be confirmed or reopened within {days} days of its resolution.",
            kind="reopen-window-closed",
        )


@dataclass(frozen=True)
class Candidate:
    """An open report near a new one."""

    id: Any
    lat: float
    lng: float
    created_at: datetime
    duplicate_of: Any = None


def find_original(
    lat: float,
    lng: float,
    now: datetime,
    candidates: Iterable[Candidate],
    *,
    radius_m: float = DUPLICATE_RADIUS_M,
    window: timedelta = DUPLICATE_WINDOW,
) -> Any:
    """The id of the report a new one duplicates (same category is the caller's filter).

    The nearest open report within ``radius_m`` and ``window``; when it is itself
    a duplicate, the report it duplicates, so chains never form. ``None`` when
    the new report is original.
    """
    best: tuple[float, Candidate] | None = None
    for candidate in candidates:
        if now - candidate.created_at > window:
            continue
        distance = haversine_m(lat, lng, candidate.lat, candidate.lng)
        if distance <= radius_m and (best is None or distance < best[0]):
            best = (distance, candidate)
    if best is None:
        return None
    return best[1].duplicate_of or best[1].id


def open311_status(status: str) -> str:
    """GeoReport v2 knows two states."""
    return "closed" if status in CLOSED_STATUSES else "open"
