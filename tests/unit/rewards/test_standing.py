"""Levels and standing: thresholds, the next level, and what moves a level."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.rewards.domain.standing import Levels, Standing

MEMBER = uuid.UUID(int=1)
HOURS = 60


def test_default_stars_at_100_300_600_1000_1500_hours() -> None:
    assert Levels().thresholds_minutes == (6000, 18000, 36000, 60000, 90000)
    assert Levels() == Levels.from_hours("100,300,600,1000,1500")


@pytest.mark.parametrize(
    ("minutes", "level", "next_at"),
    [
        (0, 0, 100 * HOURS),
        (100 * HOURS - 1, 0, 100 * HOURS),
        (100 * HOURS, 1, 300 * HOURS),
        (299 * HOURS, 1, 300 * HOURS),
        (300 * HOURS, 2, 600 * HOURS),
        (1000 * HOURS, 4, 1500 * HOURS),
        (1500 * HOURS - 1, 4, 1500 * HOURS),
        (1500 * HOURS, 5, None),
        (10**9, 5, None),
    ],
)
def test_level_and_next_level(minutes: int, level: int, next_at: int | None) -> None:
    levels = Levels()
    assert levels.level_for(minutes) == level
    assert levels.next_level_at_minutes(minutes) == next_at


def test_from_hours_tolerates_spaces() -> None:
    assert Levels.from_hours(" 1, 2 ,10 ").thresholds_minutes == (60, 120, 600)


@pytest.mark.parametrize(
    "text", ["", "100,,300", "100,300,300", "300,100", "0,100", "-5,100", "1.5,3", "a,b", "١٠٠"]
)
def test_from_hours_refuses_bad_settings(text: str) -> None:
    with pytest.raises(ValueError):
        Levels.from_hours(text)


@pytest.mark.parametrize("thresholds", [(), (0,), (-1, 5), (5, 5), (10, 5), (True,), [60, 120]])
def test_constructor_validates(thresholds: tuple[int, ...]) -> None:
    with pytest.raises(ValueError):
        Levels(thresholds)


increasing = st.lists(st.integers(1, 10**6), min_size=1, max_size=8, unique=True).map(
    lambda xs: tuple(sorted(xs))
)


@given(increasing, st.integers(0, 2 * 10**6), st.integers(0, 2 * 10**6))
def test_level_is_monotonic_and_bounded(thresholds: tuple[int, ...], a: int, b: int) -> None:
    levels = Levels(thresholds)
    low, high = sorted((a, b))
    assert 0 <= levels.level_for(low) <= levels.level_for(high) <= len(thresholds)


@given(increasing, st.integers(0, 2 * 10**6))
def test_next_level_is_the_first_threshold_above(thresholds: tuple[int, ...], m: int) -> None:
    levels = Levels(thresholds)
    next_at = levels.next_level_at_minutes(m)
    if next_at is None:
        assert m >= thresholds[-1] and levels.level_for(m) == len(thresholds)
    else:
        assert next_at > m
        assert levels.level_for(next_at) == levels.level_for(m) + 1
        assert levels.level_for(next_at - 1) == levels.level_for(m)


def test_standing_computes_level_and_only_minutes_move_it() -> None:
    home = uuid.uuid4()
    standing = Standing(MEMBER, 350 * HOURS, home)
    assert (standing.level, standing.next_level_at_minutes) == (2, 600 * HOURS)
    assert standing.lifetime_hours == 350
    # there is no points input at all: spending cannot touch the level
    assert standing.with_minutes(120).level == 2
    # a reversal takes the minutes away, and the level follows them down
    reversed_ = standing.with_minutes(-100 * HOURS)
    assert (reversed_.lifetime_minutes, reversed_.level) == (250 * HOURS, 1)
    assert reversed_.home_community_id == home


def test_reversal_never_goes_below_zero() -> None:
    assert Standing(MEMBER, 30).with_minutes(-90).lifetime_minutes == 0
    with pytest.raises(ValueError):
        Standing(MEMBER, -1)


def test_custom_levels_carry_through() -> None:
    levels = Levels.from_hours("1,2")
    standing = Standing(MEMBER, 90, None, levels)
    assert (standing.level, standing.next_level_at_minutes) == (1, 120)
    assert standing.with_minutes(30).level == 2
    assert standing.with_minutes(30).next_level_at_minutes is None
