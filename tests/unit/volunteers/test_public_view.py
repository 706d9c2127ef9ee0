"""What the public sees of a report: the publication rule and the coarsening (pure domain)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.volunteers.domain.geo import haversine_m
from services.volunteers.domain.public import (
    coarse_address,
    coarse_position,
    coarse_time,
    hour_window,
    is_published,
    status_notes,
)

NOW = datetime(2026, 11, 28, 9, 26, 31, 123456, tzinfo=UTC)


def test_only_vouched_app_reports_and_city_requests_are_published():
    assert is_published("app", "verified", NOW)
    assert is_published("app", "dispatched", NOW)
    assert is_published("app", "resolved", NOW)
    assert not is_published("app", "submitted", None)
    assert not is_published("app", "rejected", NOW)
    assert not is_published("app", "resolved", None)  # closed without a coordinator's word
    assert is_published("open311", "submitted", None)


positions = st.tuples(
    st.floats(min_value=-85, max_value=85, allow_nan=False),
    st.floats(min_value=-179.9, max_value=179.9, allow_nan=False),
)


@given(positions)
def test_a_position_moves_to_its_cells_centre_within_about_80_m(position):
    lat, lng = position
    coarse = coarse_position(lat, lng)
    # a cell is ~111 m square: its centre is at most half its diagonal away
    assert haversine_m(lat, lng, *coarse) < 80
    # the centre is its own cell's centre: reading again tells nothing new
    assert coarse_position(*coarse) == coarse


def test_neighbours_in_one_cell_read_the_same_and_the_centre_is_not_the_spot():
    lat, lng = 31.2304, 121.4737
    assert coarse_position(lat, lng) == coarse_position(lat + 0.0003, lng - 0.0002)
    assert coarse_position(lat, lng) != (lat, lng)
    # the longitude step widens with latitude, so cells stay about as wide as they are tall
    lat0, lng0 = coarse_position(60.0004, 10.0)
    _, lng1 = coarse_position(60.0004, lng0 + 0.0015)
    assert 100 < haversine_m(lat0, lng0, lat0, lng1) < 125


def test_times_are_cut_to_the_hour_and_windows_follow_the_cut():
    assert coarse_time(NOW) == datetime(2026, 11, 28, 9, tzinfo=UTC)
    low, high = hour_window(NOW - timedelta(seconds=1), NOW + timedelta(seconds=1))
    assert low == datetime(2026, 11, 28, 10, tzinfo=UTC)
    assert high == datetime(2026, 11, 28, 10, tzinfo=UTC)
    low, high = hour_window(datetime(2026, 11, 28, 9, tzinfo=UTC), NOW)
    assert (low, high) == (datetime(2026, 11, 28, 9, tzinfo=UTC), low + timedelta(hours=1))


def test_house_numbers_leave_the_address():
    assert coarse_address("12 Elm Street") == "Elm Street"
    assert coarse_address("Gate 3, Elm Estate") == "Gate, Elm Estate"
    assert coarse_address("12B-14 Elm Street, Flat #5") == "Elm Street, Flat"
    assert coarse_address("长宁路123号5栋") == "长宁路"
    assert coarse_address("愚园路三号门") == "愚园路"
    assert coarse_address("") == ""


def test_status_notes_are_fixed_phrases():
    assert status_notes("resolved", "referred") == "Resolved: referred to another agency."
    assert status_notes("resolved", None) == "Resolved: fixed."
    assert status_notes("rejected", None) == "Declined."
