from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.errors import Conflict, Invalid
from services.points.domain import holds as hold_rules
from services.points.domain.expiry import NEVER, ExpiryPolicy
from services.points.domain.ledger import InsufficientPoints
from services.points.domain.lots import NotEnoughInLots, take
from services.points.domain.rules import BadEvent, Rule, award_day, base_points, cap_of, capped


def test_hourly_rules_prorate_by_minutes():
    rule = Rule("hours.approved", 10, "hour")
    assert base_points(rule, 60) == 10
    assert base_points(rule, 90) == 15
    assert base_points(rule, 5) == 0
    with pytest.raises(BadEvent):
        base_points(rule, None)


def test_per_event_rules_ignore_minutes():
    assert base_points(Rule("report.verified", 20), None) == 20


@given(st.integers(0, 10_000), st.integers(0, 500) | st.none(), st.integers(0, 600))
def test_the_cap_trims_and_never_overpays(points, cap, already):
    # a rule without a cap of its own gets the default one: nothing pays without limit
    effective = cap_of(Rule("task.completed", 1, daily_cap=cap), 100)
    assert effective == (100 if cap is None else cap)
    paid = capped(points, effective, already)
    assert 0 <= paid <= points
    assert already + paid <= max(effective, already)


def test_rules_refuse_nonsense():
    with pytest.raises(ValueError):
        Rule("x", -1)
    with pytest.raises(ValueError):
        Rule("x", 1, "minute")


def test_default_expiry_is_the_end_of_the_next_year():
    policy = ExpiryPolicy.parse(None)
    assert policy.expires_at(datetime(2026, 3, 5, 12, tzinfo=UTC)) == datetime(
        2028, 1, 1, tzinfo=UTC
    )
    assert policy.expires_at(datetime(2026, 12, 31, 23, 59, tzinfo=UTC)) == datetime(
        2028, 1, 1, tzinfo=UTC
    )


def test_expiry_in_days_and_never():
    assert ExpiryPolicy.parse("30d").expires_at(datetime(2026, 1, 1, 15, tzinfo=UTC)) == datetime(
        2026, 2, 1, tzinfo=UTC
    )
    assert ExpiryPolicy.parse("never").expires_at(datetime(2026, 1, 1, tzinfo=UTC)) == NEVER
    with pytest.raises(ValueError):
        ExpiryPolicy.parse("soon")


def test_award_day_is_the_work_date_or_the_district_day():
    shanghai = ZoneInfo("Asia/Shanghai")
    late = datetime(2026, 5, 1, 23, 30, tzinfo=UTC)
    assert str(award_day(late, UTC)) == "2026-05-01"
    assert str(award_day(late, shanghai)) == "2026-05-02"
    assert str(award_day(late, shanghai, date(2026, 4, 30))) == "2026-04-30"


@given(st.dictionaries(st.integers(1, 20), st.integers(1, 50), max_size=6), st.integers(0, 400))
def test_take_is_fifo_and_exact(lots_by_day, wanted):
    lots = {datetime(2026, 1, d, tzinfo=UTC): n for d, n in lots_by_day.items()}
    if wanted > sum(lots.values()):
        with pytest.raises(NotEnoughInLots):
            take(lots, wanted)
        return
    taken = take(lots, wanted)
    assert sum(n for _, n in taken) == wanted
    days = [e for e, _ in taken]
    assert days == sorted(days)
    for e, n in taken[:-1]:
        assert n == lots[e], "an earlier lot was left partly unspent"


def test_a_hold_ends_once():
    assert hold_rules.end(hold_rules.ACTIVE, hold_rules.CAPTURED) is True
    assert hold_rules.end(hold_rules.CAPTURED, hold_rules.CAPTURED) is False
    with pytest.raises(hold_rules.HoldNotActive):
        hold_rules.end(hold_rules.CAPTURED, hold_rules.RELEASED)
    with pytest.raises(hold_rules.HoldNotActive):
        hold_rules.end(hold_rules.EXPIRED, hold_rules.CAPTURED)


NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)


def _deadline(deadline=None, ttl_seconds=None):
    return hold_rules.deadline_of(NOW, deadline, ttl_seconds, default_seconds=900, max_seconds=3600)


def test_a_hold_lasts_its_ttl_or_the_default_or_until_its_deadline():
    assert _deadline() == NOW + timedelta(seconds=900)
    assert _deadline(ttl_seconds=60) == NOW + timedelta(seconds=60)
    assert _deadline(NOW + timedelta(minutes=30)) == NOW + timedelta(minutes=30)


@pytest.mark.parametrize(
    ("deadline", "ttl_seconds", "field"),
    [
        (None, 3601, "ttl_seconds"),
        (None, 10**30, "ttl_seconds"),  # refused before the date arithmetic overflows
        (NOW, None, "deadline"),
        (NOW + timedelta(seconds=3601), None, "deadline"),
    ],
)
def test_a_hold_deadline_outside_now_and_the_longest_hold_is_invalid(deadline, ttl_seconds, field):
    with pytest.raises(Invalid) as caught:
        _deadline(deadline, ttl_seconds)
    assert caught.value.kind == "validation-error" and field in (caught.value.errors or {})


def test_a_hold_past_its_deadline_cannot_be_captured():
    hold_rules.check_capture(NOW + timedelta(seconds=1), NOW)
    with pytest.raises(hold_rules.HoldNotActive) as caught:
        hold_rules.check_capture(NOW, NOW)
    assert caught.value.extra == {"status": hold_rules.EXPIRED}


def test_not_enough_points_is_a_conflict_naming_what_is_available_and_needed():
    error = InsufficientPoints(available=3, wanted=5)
    assert isinstance(error, Conflict) and error.kind == "insufficient-points"
    assert error.extra == {"available": 3, "needed": 5}
