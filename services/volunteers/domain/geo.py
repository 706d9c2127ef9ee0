"""Distances on the Earth's surface, for station radii and duplicate reports."""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6_371_008.8  # the mean radius (IUGG)
# a degree of latitude on haversine's sphere (about 111 195 m), so that the box and the
# distance agree; 111 320 m made the box 0.1 % too small and drop points haversine keeps
METRES_PER_DEGREE_LAT = EARTH_RADIUS_M * math.pi / 180
BOX_MARGIN = 1.001  # the box only pre-filters (haversine decides): err on the wide side


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """The great-circle distance in metres between two WGS 84 positions."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lng2 - lng1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lng: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lng, max_lng) of a box that holds the circle; a cheap SQL filter."""
    reach = radius_m * BOX_MARGIN
    d_lat = reach / METRES_PER_DEGREE_LAT
    cos_lat = max(math.cos(math.radians(lat)), 1e-6)
    d_lng = min(180.0, reach / (METRES_PER_DEGREE_LAT * cos_lat))
    return lat - d_lat, lat + d_lat, lng - d_lng, lng + d_lng


def within(lat: float, lng: float, centre_lat: float, centre_lng: float, radius_m: float) -> bool:
    return haversine_m(lat, lng, centre_lat, centre_lng) <= radius_m
