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


def _destination(lat: float, lng: float, distance: float, bearing: float) -> tuple[float, float]:
    """The point ``distance`` metres from (lat, lng) along ``bearing`` on haversine's sphere."""
    radius = 6_371_008.8
    phi, lam, delta = math.radians(lat), math.radians(lng), distance / radius
    phi2 = math.asin(
        math.sin(phi) * math.cos(delta) + math.cos(phi) * math.sin(delta) * math.cos(bearing)
    )
    lam2 = lam + math.atan2(
        math.sin(bearing) * math.sin(delta) * math.cos(phi),
        math.cos(delta) - math.sin(phi) * math.sin(phi2),
    )
    return math.degrees(phi2), math.degrees(lam2)


@given(
    lats,
    lngs,
    st.floats(min_value=1, max_value=5000),
    st.floats(min_value=0, max_value=2 * math.pi),
)
def test_every_point_haversine_puts_inside_the_circle_is_in_the_box(lat, lng, radius, bearing):
    # the box pre-filters SQL rows for haversine to decide: it must not drop what haversine keeps
    lat2, lng2 = _destination(lat, lng, radius * 0.9999, bearing)
    assert haversine_m(lat, lng, lat2, lng2) <= radius
    min_lat, max_lat, min_lng, max_lng = bounding_box(lat, lng, radius)
    assert min_lat <= lat2 <= max_lat
    assert min_lng <= lng2 <= max_lng


def test_due_north_just_inside_50_m_is_in_the_box():
    lat2 = 31.2304 + 49.99 / 111_195.08  # 49.99 m by haversine
    assert haversine_m(31.2304, 121.4737, lat2, 121.4737) < 50
    assert bounding_box(31.2304, 121.4737, 50)[1] >= lat2
