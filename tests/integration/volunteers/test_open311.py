"""An Open311 GeoReport v2 client, over real HTTP, reads services and requests and posts one."""

from __future__ import annotations

import dataclasses
import io
import json
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from PIL import Image
from werkzeug.serving import make_server

from services.volunteers.domain.public import coarse_position
from tests.integration.volunteers.helpers import LAT, LNG, act, outbox_events, report

API_KEY = "city-case-system-key"


class GeoReportClient:
    """What a city's case system does: JSON endpoints, form-encoded POST, an api_key."""

    def __init__(self, endpoint: str, api_key: str | None = None) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.api_key = api_key

    def _get(self, path: str, **params: str):
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        with urllib.request.urlopen(f"{self.endpoint}/{path}{query}", timeout=10) as response:
            assert response.headers["Content-Type"].startswith("application/json")
            return json.loads(response.read())

    def services(self):
        return self._get("services.json")

    def requests(self, **params: str):
        return self._get("requests.json", **params)

    def request(self, request_id: str):
        return self._get(f"requests/{request_id}.json")

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
def endpoint(volunteers_app, monkeypatch, tmp_path):
    cfg = volunteers_app.extensions["volunteers_config"]
    monkeypatch.setitem(
        volunteers_app.extensions,
        "volunteers_config",
        dataclasses.replace(cfg, open311_api_keys=(API_KEY,), upload_dir=tmp_path),
    )
    server = make_server("127.0.0.1", 0, volunteers_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/open311/v2"
    server.shutdown()
    thread.join(10)
    server.server_close()


def test_client_reads_services_and_requests_and_posts_one(client, world, endpoint):
    city = GeoReportClient(endpoint, API_KEY)
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
        lambda: GeoReportClient(endpoint, "wrong").post_request(
            service_code="other", lat="31.2", long="121.4", description="x"
        )
    )
    assert code == 403 and body[0]["code"] == 403 and body[0]["description"]
    code, body = error_of(
        lambda: GeoReportClient(endpoint, API_KEY).post_request(
            service_code="other", description="x"
        )
    )
    assert code == 400 and "lat" in body[0]["description"]
    code, body = error_of(
        lambda: GeoReportClient(endpoint, API_KEY).post_request(
            service_code="unicorns", lat="31.2", long="121.4"
        )
    )
    assert code == 400
    code, body = error_of(
        lambda: GeoReportClient(endpoint).request("00000000-0000-0000-0000-000000000000")
    )
    assert code == 404 and body[0]["code"] == 404
    code, _ = error_of(lambda: GeoReportClient(endpoint).requests(status="maybe"))
    assert code == 400
