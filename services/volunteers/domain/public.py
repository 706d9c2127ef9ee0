"""What the public (the Open311 feed and its media, read without signing in) may see of a report.

A rider's report becomes public only once a coordinator has vouched for it, and then only
coarsely: where to about 100 m, when to the hour, the address without its house number,
and no free-text note written by staff. A request a city's case system pushed through
Open311 is the city's own (it has no rider behind it), so it is public from the start,
with its position as the city gave it.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

# the states in which a coordinator's verification still stands
VOUCHED_STATUSES = ("verified", "dispatched", "resolved")
GRID_DEG = 0.001  # about 111 m of latitude
HOUR = timedelta(hours=1)
# near the poles a longitude degree shrinks to nothing: cells stop widening there
_MIN_COS = 0.01

_STATUS_NOTES = {
    "submitted": "Received.",
    "verified": "Verified by a coordinator.",
    "dispatched": "Dispatched to the responsible team.",
    "rejected": "Declined.",
}
_CLOSE_NOTES = {
    "fixed": "Resolved: fixed.",
    "not_fixable": "Resolved: cannot be fixed.",
    "duplicate": "Resolved: duplicate of another request.",
    "referred": "Resolved: referred to another agency.",
}

# a house number: digits (any script) with ranges and a one-letter suffix ("12", "12-14",
# "12B", "#5"), or Chinese numerals that a unit follows ("三号"); then the unit itself
_UNITS = "号楼|号院|号|弄|栋|幢|室|楼|单元|层|座|门"
_HOUSE_NUMBER = re.compile(
    rf"(?:[#№]\s*)?\d+(?:\s*[-–/]\s*\d+)*(?:[A-Za-z](?![A-Za-z]))?\s*(?:{_UNITS})*"
    rf"|[〇零一二三四五六七八九十百千两]+\s*(?:{_UNITS})+"
)
_SPACES = re.compile(r"\s+")
_EMPTY_PARTS = re.compile(r"\s*([,，、;；])(?:\s*[,，、;；])+")


def is_published(source: str, status: str, verified_at: datetime | None) -> bool:
    """Whether the public may see a report at all."""
    if source == "open311":
        return True
    return status in VOUCHED_STATUSES and verified_at is not None


def coarse_position(lat: float, lng: float) -> tuple[float, float]:
    """The centre of the ~100 m cell holding a position (the same cell for every read).

    Latitude snaps to a 0.001° grid; the longitude step is 0.001° divided by the cosine of
    that row's centre latitude, so a cell is about 111 m by 111 m anywhere. Snapping (not
    noise) means that asking again and averaging tells nothing more.
    """
    row = math.floor(lat / GRID_DEG)
    centre_lat = (row + 0.5) * GRID_DEG
    step = GRID_DEG / max(math.cos(math.radians(centre_lat)), _MIN_COS)
    column = math.floor((lng + 180.0) / step)
    centre_lng = (column + 0.5) * step - 180.0
    return round(min(max(centre_lat, -90.0), 90.0), 6), round(
        min(max(centre_lng, -180.0), 180.0), 6
    )


def coarse_time(moment: datetime) -> datetime:
    """The start of the UTC hour holding ``moment``."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def hour_window(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The exact bounds ``[low, high)`` that pick the reports whose *coarse* time lies in
    ``[start, end]``: a filter on the precise time would let a caller bisect it."""
    low = coarse_time(start)
    if low < start:
        low += HOUR
    return low, coarse_time(end) + HOUR


def coarse_address(address: str) -> str:
    """The address without house, building or room numbers ("12 Elm Street" -> "Elm Street")."""
    stripped = _HOUSE_NUMBER.sub(" ", address)
    stripped = _EMPTY_PARTS.sub(r"\1", _SPACES.sub(" ", stripped))
    stripped = re.sub(r"\s+([,，、;；])", r"\1", stripped)
    return stripped.strip(" ,，、;；-–/")


def status_notes(status: str, close_reason: str | None) -> str:
    """A fixed phrase for the state: staff's own notes (dispatch, resolution, rejection)
    stay inside the service."""
    if status == "resolved":
        return _CLOSE_NOTES.get(close_reason or "fixed", _CLOSE_NOTES["fixed"])
    return _STATUS_NOTES.get(status, "")
