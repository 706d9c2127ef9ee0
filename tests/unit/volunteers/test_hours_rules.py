"""What a loggable hours entry is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from common.errors import Forbidden, Invalid
from services.volunteers.domain.hours import check_entry

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def check(start, end, self_logged=True):
    return check_entry(start, end, now=NOW, self_logged=self_logged, self_log_days=7)


def test_minutes_of_a_valid_entry():
    assert check(NOW - timedelta(hours=3), NOW - timedelta(hours=1)) == 120
    assert check(NOW - timedelta(minutes=90, seconds=59), NOW) == 90


@pytest.mark.parametrize(
    ("start", "end", "kind", "error"),
    [
        (NOW - timedelta(hours=1), NOW - timedelta(hours=2), "validation-error", Invalid),
        (NOW - timedelta(hours=1), NOW - timedelta(hours=1), "validation-error", Invalid),
        (NOW, NOW + timedelta(hours=1), "future-hours", Invalid),
        (NOW - timedelta(hours=30), NOW - timedelta(hours=1), "validation-error", Invalid),
        (NOW - timedelta(seconds=30), NOW, "validation-error", Invalid),
        (
            NOW - timedelta(days=8, hours=2),
            NOW - timedelta(days=8),
            "self-logging-closed",
            Forbidden,
        ),
    ],
)
def test_refusals(start, end, kind, error):
    with pytest.raises(error) as info:
        check(start, end)
    assert info.value.kind == kind


def test_a_coordinator_may_enter_old_hours_and_clock_skew_is_tolerated():
    old = NOW - timedelta(days=30)
    assert check(old, old + timedelta(hours=1), self_logged=False) == 60
    assert check(NOW - timedelta(hours=1), NOW + timedelta(minutes=2)) == 62


def test_naive_times_are_refused():
    with pytest.raises(Invalid):
        check(datetime(2026, 1, 1, 10), datetime(2026, 1, 1, 11))
