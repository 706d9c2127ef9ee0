"""Report states, duplicates and the rider's window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from common.errors import Conflict
from services.volunteers.domain.reports import (
    Candidate,
    check_rider_window,
    find_original,
    next_status,
    open311_status,
    reopen_target,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
LAT, LNG = 31.2304, 121.4737
METRE = 1 / 111_320


def test_the_happy_path():
    assert next_status("submitted", "verify") == "verified"
    assert next_status("verified", "dispatch") == "dispatched"
    assert next_status("dispatched", "resolve") == "resolved"


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("verified", "verify"),
        ("submitted", "dispatch"),
        ("resolved", "reject"),
        ("rejected", "verify"),
        ("rejected", "resolve"),
        ("verified", "reopen"),
    ],
)
def test_wrong_state_is_409(status, action):
    with pytest.raises(Conflict) as info:
        next_status(status, action)
    assert info.value.kind == "wrong-state"


def test_nearest_open_report_within_50_m_and_24_h_is_the_original():
    near = Candidate("near", LAT + 20 * METRE, LNG, NOW - timedelta(hours=1))
    nearer = Candidate("nearer", LAT + 10 * METRE, LNG, NOW - timedelta(hours=2))
    far = Candidate("far", LAT + 60 * METRE, LNG, NOW)
    old = Candidate("old", LAT, LNG, NOW - timedelta(hours=25))
    assert find_original(LAT, LNG, NOW, [near, nearer, far, old]) == "nearer"
    assert find_original(LAT, LNG, NOW, [far, old]) is None
    assert find_original(LAT, LNG, NOW, []) is None


def test_a_duplicate_points_at_its_original():
    dup = Candidate("dup", LAT, LNG, NOW, duplicate_of="first")
    assert find_original(LAT, LNG, NOW, [dup]) == "first"


def test_rider_window_and_reopen_target():
    check_rider_window(NOW - timedelta(days=6), NOW, 7)
    with pytest.raises(Conflict):
        check_rider_window(NOW - timedelta(days=8), NOW, 7)
    with pytest.raises(Conflict):
        check_rider_window(None, NOW, 7)
    assert reopen_target(NOW) == "verified"
    assert reopen_target(None) == "submitted"


def test_open311_knows_two_states():
    assert [open311_status(s) for s in ("submitted", "verified", "dispatched")] == ["open"] * 3
    assert open311_status("resolved") == open311_status("rejected") == "closed"


@pytest.mark.parametrize(
    ("action", "word"),
    [("verify", "verified"), ("reject", "rejected"), ("confirm", "confirmed")],
)
def test_wrong_state_messages_read_right(action, word):
    with pytest.raises(Conflict) as info:
        next_status("rejected" if action != "reject" else "resolved", action)
    assert f"cannot be {word};" in info.value.detail
