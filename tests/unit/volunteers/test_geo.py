"""Distances and the bounding box used to pre-filter positions in SQL."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from services.volunteers.domain.geo import bounding_box, haversine_m, within

lats = st.floats(min_value=-80, max_value=80, allow_nan=False)
lngs = st.floats(min_value=-179, max_value=179, allow_nan=False)


def test_known_distances():
    assert haversine_m(0, 0, 0, 0) == 0
    # one degree of latitude is about 111.2 km
    assert math.isclose(haversine_m(0, 0, 1, 0), 111_195, rel_tol=1e-3)
    # Shanghai People's Square to the Bund, about 1.6 km
    assert 1_400 < haversine_m(31.2304, 121.4737, 31.2400, 121.4900) < 2_000


def test_within_the_radius():
    assert within(31.2311, 121.4741, 31.2310, 121.4740, 100)
    assert not within(31.2310 + 1000 / 111_320, 121.4740, 31.2310, 121.4740, 100)


@given(lats, lngs, lats, lngs)
def test_symmetric_and_non_negative(a, b, c, d):
    assert haversine_m(a, b, c, d) >= 0
    assert math.isclose(haversine_m(a, b, c, d), haversine_m(c, d, a, b), abs_tol=1e-6)


@given(
    lats,
    lngs,
    st.floats(min_value=1, max_value=5000),
    st.floats(min_value=0, max_value=2 * math.pi),
)
def test_the_box_holds_every_point_of_the_circle(lat, lng, radius, bearing):
    # a point at distance ~radius in direction ``bearing``
    d_lat = radius * math.cos(bearing) / 111_320 * 0.999
    d_lng = radius * math.sin(bearing) / (111_320 * math.cos(math.radians(lat))) * 0.999
    min_lat, max_lat, min_lng, max_lng = bounding_box(lat, lng, radius)
    assert min_lat <= lat + d_lat <= max_lat
    assert min_lng <= lng + d_lng <= max_lng
