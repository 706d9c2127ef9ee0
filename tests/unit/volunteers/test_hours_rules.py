"""What a loggable hours entry is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.volunteers.domain.errors import RuleViolation
from services.volunteers.domain.hours import Interval, check_entry, first_overlap

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def check(start, end, self_logged=True):
    return check_entry(start, end, now=NOW, self_logged=self_logged, self_log_days=7)


def test_minutes_of_a_valid_entry():
    assert check(NOW - timedelta(hours=3), NOW - timedelta(hours=1)) == 120
    assert check(NOW - timedelta(minutes=90, seconds=59), NOW) == 90


@pytest.mark.parametrize(
    ("start", "end", "kind", "status"),
    [
        (NOW - timedelta(hours=1), NOW - timedelta(hours=2), "validation-error", 422),
        (NOW - timedelta(hours=1), NOW - timedelta(hours=1), "validation-error", 422),
        (NOW, NOW + timedelta(hours=1), "future-hours", 422),
        (NOW - timedelta(hours=30), NOW - timedelta(hours=1), "validation-error", 422),
        (NOW - timedelta(seconds=30), NOW, "validation-error", 422),
        (NOW - timedelta(days=8, hours=2), NOW - timedelta(days=8), "self-logging-closed", 403),
    ],
)
def test_refusals(start, end, kind, status):
    with pytest.raises(RuleViolation) as info:
        check(start, end)
    assert info.value.kind == kind and info.value.status == status


def test_a_coordinator_may_enter_old_hours_and_clock_skew_is_tolerated():
    old = NOW - timedelta(days=30)
    assert check(old, old + timedelta(hours=1), self_logged=False) == 60
    assert check(NOW - timedelta(hours=1), NOW + timedelta(minutes=2)) == 62


def test_naive_times_are_refused():
    with pytest.raises(RuleViolation):
        check(datetime(2026, 1, 1, 10), datetime(2026, 1, 1, 11))


def test_overlap_is_half_open():
    a = Interval(NOW - timedelta(hours=2), NOW - timedelta(hours=1))
    touching = Interval(NOW - timedelta(hours=1), NOW)
    inside = Interval(NOW - timedelta(minutes=90), NOW - timedelta(minutes=80))
    assert not a.overlaps(touching) and not touching.overlaps(a)
    assert a.overlaps(inside) and inside.overlaps(a)
    assert first_overlap(inside, [touching, a]) == a
    assert first_overlap(touching, [a]) is None
