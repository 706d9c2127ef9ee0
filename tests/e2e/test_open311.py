"""The public Open311 feed through the gateway, with every process real, read by the
third-party ``georeport`` client in JSON and XML: a report a coordinator verified is there,
at a coarsened position and hour; one nobody verified is not, and neither is its photo."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
import requests
from georeport import GeoReport

from services.volunteers.domain.public import coarse_position
from tests.helpers.gateway_client import Gateway

SPOT = {"lat": 31.2304, "lng": 121.4737}


def as_list(parsed):
    """xmltodict gives one repeated element as a dict and many as a list."""
    return parsed if isinstance(parsed, list) else [parsed]


@pytest.fixture
def reports(live, make_token):
    """Two riders' reports in one community: the first verified, the second not."""
    gw = Gateway(live.url())
    admin = make_token(roles=["admin"], username="admin")
    street = gw.post(
        "/api/v1/organizations", {"name": "Bund Street", "kind": "street"}, token=admin
    )
    assert street.status == 201, street.body
    community = gw.post(
        "/api/v1/organizations",
        {"name": "Bund Community", "kind": "community", "parent_id": street.json["id"]},
        token=admin,
    )
    assert community.status == 201, community.body
    rider = make_token(roles=["rider"], user_id=uuid.uuid4(), username="rider-open311")
    coordinator = make_token(
        roles=["coordinator"], orgs=[street.json["id"]], user_id=uuid.uuid4(), username="coord"
    )
    made = []
    for category in ("missing_manhole_cover", "falling_object_risk"):
        body = {
            "category": category,
            "description": "seen on the way to a delivery",
            **SPOT,
            "address": "88 Bund Road",
            "organization_id": community.json["id"],
        }
        created = gw.post("/api/v1/reports", body, token=rider)
        assert created.status == 201, created.body
        made.append(created.json)
    verified = gw.post(f"/api/v1/reports/{made[0]['id']}/verify", token=coordinator)
    assert verified.status == 200, verified.body
    return made[0], made[1]


def test_the_feed_shows_the_verified_report_coarsened_and_not_the_unverified(live, reports):
    verified, unverified = reports
    endpoint = f"{live.url()}/open311/v2"
    both = f"{verified['id']},{unverified['id']}"
    as_json = GeoReport(endpoint, output_format="json").get_service_requests(
        service_request_id=both
    )
    as_xml = as_list(
        GeoReport(endpoint, output_format="xml").get_service_requests(service_request_id=both)
    )
    assert [r["service_request_id"] for r in as_json] == [verified["id"]]
    assert [r["service_request_id"] for r in as_xml] == [verified["id"]]
    expected = coarse_position(SPOT["lat"], SPOT["lng"])
    assert expected != (SPOT["lat"], SPOT["lng"])
    assert (as_json[0]["lat"], as_json[0]["long"]) == expected
    assert (float(as_xml[0]["lat"]), float(as_xml[0]["long"])) == expected
    for public in (as_json[0], as_xml[0]):
        assert public["address"] == "Bund Road"
        moment = datetime.fromisoformat(public["requested_datetime"])
        assert (moment.minute, moment.second) == (0, 0)
        assert public["status"] == "open" and public["service_code"] == "missing_manhole_cover"

    # the unverified one is unknown to the public, in either format
    for fmt in ("json", "xml"):
        client = GeoReport(endpoint, output_format=fmt)
        with pytest.raises(requests.HTTPError) as hidden:
            client.get_service_request(unverified["id"])
        assert hidden.value.response.status_code == 404
        listed = as_list(client.get_service_requests())
        assert unverified["id"] not in [r["service_request_id"] for r in listed]
        assert {s["service_code"] for s in client.get_service_list()} >= {"road_damage"}


def test_the_discovery_document_is_served_through_the_gateway(live):
    answer = requests.get(f"{live.url()}/open311/discovery.json", timeout=10)
    assert answer.status_code == 200
    assert answer.json()["endpoints"][0]["url"].endswith("/open311/v2")
    xml = requests.get(f"{live.url()}/open311/discovery.xml", timeout=10)
    assert xml.status_code == 200 and xml.headers["Content-Type"].startswith("text/xml")
