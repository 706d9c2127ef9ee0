"""A city's case system over real HTTP: the third-party ``georeport`` client reads services,
definitions and requests in JSON and XML; a form-encoded POST creates one."""

from __future__ import annotations

import io
import json
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
import requests
import xmltodict
from georeport import GeoReport
from PIL import Image
from werkzeug.serving import make_server

from services.volunteers.domain.public import coarse_position
from tests.integration.volunteers.helpers import (
    LAT,
    LNG,
    OPEN311_KEY,
    act,
    outbox_events,
    report,
)

API_KEY = OPEN311_KEY


def as_list(parsed):
    """xmltodict gives one repeated element as a dict and many as a list."""
    return parsed if isinstance(parsed, list) else [parsed]


class CityCaseSystem:
    """What a city's case system does: reads with the third-party ``georeport`` client (JSON
    and XML), and posts form-encoded requests with an api_key (which that client cannot)."""

    def __init__(self, endpoint: str, api_key: str | None = None) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.api_key = api_key
        self.json = GeoReport(self.endpoint, output_format="json")
        self.xml = GeoReport(self.endpoint, output_format="xml")

    def services(self):
        return self.json.get_service_list()

    def requests(self, **params: str):
        return self.json.get_service_requests(**params)

    def request(self, request_id: str):
        return [self.json.get_service_request(request_id)]

    def post_request(self, **fields: str):
        body = urllib.parse.urlencode({"api_key": self.api_key or "", **fields}).encode()
        request = urllib.request.Request(
            f"{self.endpoint}/requests.json",
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())


@pytest.fixture
def endpoint(volunteers_app, open311_keys):
    server = make_server("127.0.0.1", 0, volunteers_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/open311/v2"
    server.shutdown()
    thread.join(10)
    server.server_close()


def test_client_reads_services_and_requests_and_posts_one(client, world, endpoint):
    city = CityCaseSystem(endpoint, API_KEY)
    services = city.services()
    codes = {s["service_code"] for s in services}
    assert {"blocked_fire_lane", "broken_street_light", "water_or_gas_leak"} <= codes
    assert all(s["metadata"] is False and s["type"] == "realtime" for s in services)

    # a rider's report, with a photo, verified and resolved
    rid = report(client, world.rider).json["id"]
    photo = io.BytesIO()
    Image.new("RGB", (20, 20), (9, 9, 9)).save(photo, format="JPEG")
    client.post(
        f"/api/v1/reports/{rid}/photos",
        data={"photo": (io.BytesIO(photo.getvalue()), "p.jpg")},
        headers=world.rider.headers,
        content_type="multipart/form-data",
    )
    act(client, world.coordinator, rid, "verify")

    listed = city.requests()
    assert [r["service_request_id"] for r in listed] == [rid]
    public = listed[0]
    assert public["status"] == "open"
    assert public["service_code"] == "broken_street_light"
    assert (public["lat"], public["long"]) == coarse_position(LAT, LNG)  # about 100 m
    assert public["agency_responsible"] == "Elm Community"
    assert public["requested_datetime"].endswith("Z")
    # nobody learns who reported
    flat = json.dumps(listed)
    assert str(world.rider.id) not in flat and "rick" not in flat
    assert "reporter" not in flat
    with urllib.request.urlopen(
        public["media_url"].replace("http://127.0.0.1:8000", endpoint.rsplit("/open311", 1)[0]),
        timeout=10,
    ) as media:
        assert media.headers["Content-Type"] == "image/jpeg"

    status, created = city.post_request(
        service_code="blocked_fire_lane",
        lat="31.2340",
        long="121.4760",
        address_string="Gate 3, Elm Estate",
        description="Cars parked across the fire lane",
        email="caseworker@city.example",
        first_name="Case",
    )
    assert status == 201
    new_id = created[0]["service_request_id"]
    one = city.request(new_id)
    assert len(one) == 1 and one[0]["status"] == "open"
    assert one[0]["description"] == "Cars parked across the fire lane"
    assert one[0]["address"] == "Gate 3, Elm Estate"
    assert "caseworker" not in json.dumps(one)
    # it lands in the coordinators' queue (its position is in Elm Community) and pays nobody
    queue = client.get("/api/v1/reports?status=submitted", headers=world.coordinator.headers).json
    assert new_id in [r["id"] for r in queue["items"]]
    assert act(client, world.coordinator, new_id, "verify").status_code == 200
    assert len(outbox_events("report.verified")) == 1  # the rider's only

    assert {r["service_request_id"] for r in city.requests(service_code="blocked_fire_lane")} == {
        new_id
    }
    act(client, world.coordinator, rid, "resolve", close_reason="fixed", note="new bulb")
    closed = city.requests(status="closed")
    assert [r["service_request_id"] for r in closed] == [rid]
    assert closed[0]["status_notes"] == "Resolved: fixed."  # never the note itself
    both = city.requests(service_request_id=f"{rid},{new_id}")
    assert len(both) == 2


def test_client_errors_are_georeport_errors(world, endpoint):
    def error_of(call):
        with pytest.raises(urllib.error.HTTPError) as info:
            call()
        body = json.loads(info.value.read())
        info.value.close()
        return info.value.code, body

    code, body = error_of(
        lambda: CityCaseSystem(endpoint, "wrong").post_request(
            service_code="other", lat="31.2", long="121.4", description="x"
        )
    )
    assert code == 403 and body[0]["code"] == 403 and body[0]["description"]
    code, body = error_of(
        lambda: CityCaseSystem(endpoint, API_KEY).post_request(
            service_code="other", description="x"
        )
    )
    assert code == 400 and "lat" in body[0]["description"]
    code, body = error_of(
        lambda: CityCaseSystem(endpoint, API_KEY).post_request(
            service_code="unicorns", lat="31.2", long="121.4"
        )
    )
    assert code == 400
    with pytest.raises(requests.HTTPError) as unknown:
        CityCaseSystem(endpoint).request("00000000-0000-0000-0000-000000000000")
    assert unknown.value.response.status_code == 404
    assert unknown.value.response.json()[0]["code"] == 404
    with pytest.raises(requests.HTTPError) as maybe:
        CityCaseSystem(endpoint).xml.get_service_requests(status="maybe")
    assert maybe.value.response.status_code == 400
    assert xmltodict.parse(maybe.value.response.content)["errors"]["error"]["code"] == "400"


def test_the_xml_client_reads_what_the_json_client_reads(client, world, endpoint):
    city = CityCaseSystem(endpoint, API_KEY)
    as_xml = city.xml.get_service_list()
    assert [s["service_code"] for s in as_xml] == [s["service_code"] for s in city.services()]
    assert {s["metadata"] for s in as_xml} == {"false"}
    definition = city.xml.get_service_definition("road_damage")
    assert definition == {"service_code": "road_damage", "attributes": None}
    assert city.json.get_service_definition("road_damage")["attributes"] == []

    verified = report(client, world.rider).json["id"]
    act(client, world.coordinator, verified, "verify")
    report(client, world.rider, category="road_damage")  # never verified: never shown
    (listed,) = as_list(city.xml.get_service_requests())
    (as_json,) = city.requests()
    assert listed["service_request_id"] == verified
    for name, value in as_json.items():
        assert listed[name] == (None if value in (None, "") else str(value)), name
    assert (float(listed["lat"]), float(listed["long"])) == coarse_position(LAT, LNG)
    one = city.xml.get_service_request(verified)
    assert one["service_request_id"] == verified and one["status"] == "open"
