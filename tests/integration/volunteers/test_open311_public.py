"""What the public Open311 feed shows: only reports a coordinator verified (and the city's own
requests), coarsened, without internal notes; photos only of those reports."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from services.volunteers.domain.public import coarse_position
from tests.integration.volunteers.helpers import (
    LAT,
    LNG,
    OPEN311_KEY,
    act,
    jpeg_with_gps,
    report,
    upload,
)

API_KEY = OPEN311_KEY


def listed_ids(client) -> list[str]:
    answer = client.get("/open311/v2/requests.json")
    assert answer.status_code == 200, answer.json
    return [r["service_request_id"] for r in answer.json]


def test_only_verified_reports_are_published(client, world):
    submitted = report(client, world.rider).json["id"]
    verified = report(client, world.rider, category="road_damage").json["id"]
    act(client, world.coordinator, verified, "verify")
    dispatched = report(client, world.rider, category="other").json["id"]
    act(client, world.coordinator, dispatched, "verify")
    act(client, world.coordinator, dispatched, "dispatch", note="crew 4 via Mr Li 13800000000")
    resolved = report(client, world.rider, category="water_or_gas_leak").json["id"]
    act(client, world.coordinator, resolved, "verify")
    act(client, world.coordinator, resolved, "resolve", note="called the tenant, Mrs Wang")
    rejected = report(client, world.rider, category="falling_object_risk").json["id"]
    act(client, world.coordinator, rejected, "verify")
    act(client, world.coordinator, rejected, "reject", reason="rider is a known prankster")
    # closed without ever being verified: no coordinator vouched for it
    unverified = report(client, world.rider, category="ebike_charging_indoors").json["id"]
    act(client, world.coordinator, unverified, "resolve", close_reason="not_fixable")

    assert set(listed_ids(client)) == {verified, dispatched, resolved}
    for hidden in (submitted, rejected, unverified):
        assert client.get(f"/open311/v2/requests/{hidden}.json").status_code == 404
    asked = client.get(
        "/open311/v2/requests.json",
        query_string={"service_request_id": f"{submitted},{verified},{rejected}"},
    )
    assert [r["service_request_id"] for r in asked.json] == [verified]

    flat = json.dumps(client.get("/open311/v2/requests.json").json)
    for secret in ("crew 4", "13800000000", "Mrs Wang", "prankster", str(world.rider.id), "rick"):
        assert secret not in flat
    notes = {r["service_request_id"]: r["status_notes"] for r in json.loads(flat)}
    assert notes[resolved] == "Resolved: fixed."
    assert notes[dispatched] == "Dispatched to the responsible team."


def test_a_reopened_report_stays_published_only_if_it_was_verified(client, world):
    rid = report(client, world.rider).json["id"]
    act(client, world.coordinator, rid, "verify")
    act(client, world.coordinator, rid, "resolve")
    act(client, world.rider, rid, "reopen", reason="still dark")
    assert rid in listed_ids(client)
    never = report(client, world.rider, category="road_damage").json["id"]
    act(client, world.coordinator, never, "resolve")
    act(client, world.rider, never, "reopen")
    assert never not in listed_ids(client)


def test_the_citys_own_requests_are_public_from_the_start(client, world, open311_keys):
    form = {"api_key": API_KEY, "service_code": "other", "lat": "31.2304", "long": "121.4737"}
    created = client.post("/open311/v2/requests.json", data={**form, "description": "a pothole"})
    assert created.status_code == 201, created.json
    rid = created.json[0]["service_request_id"]
    one = client.get(f"/open311/v2/requests/{rid}.json")
    assert one.status_code == 200 and one.json[0]["status"] == "open"
    act(client, world.coordinator, rid, "reject", reason="the caseworker misread the map")
    closed = client.get(f"/open311/v2/requests/{rid}.json").json[0]
    assert closed["status"] == "closed" and closed["status_notes"] == "Declined."
    assert "caseworker" not in json.dumps(closed)


def test_photos_are_served_only_for_published_reports(client, world, uploads):
    rid = report(client, world.rider).json["id"]
    photo_id = upload(client, world.rider, rid, jpeg_with_gps()).json["id"]
    assert client.get(f"/open311/v2/media/{photo_id}.jpg").status_code == 404
    act(client, world.coordinator, rid, "verify")
    shown = client.get(f"/open311/v2/media/{photo_id}.jpg")
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
    # it can be withdrawn (a later rejection): no cache may keep serving it
    assert shown.headers["Cache-Control"] == "no-cache, private"
    media_url = client.get(f"/open311/v2/requests/{rid}.json").json[0]["media_url"]
    assert media_url.endswith(f"/open311/v2/media/{photo_id}.jpg")
    act(client, world.coordinator, rid, "reject", reason="not a street light")
    gone = client.get(f"/open311/v2/media/{photo_id}.jpg")
    assert gone.status_code == 404 and gone.json[0]["code"] == 404


def test_app_reports_are_coarsened_in_place_time_and_address(client, world):
    rid = report(client, world.rider).json["id"]
    exact = datetime.fromisoformat(act(client, world.coordinator, rid, "verify").json["created_at"])
    public = client.get(f"/open311/v2/requests/{rid}.json").json[0]
    assert (public["lat"], public["long"]) == coarse_position(LAT, LNG) != (LAT, LNG)
    assert public["address"] == "Elm Street"  # "12 Elm Street" without its number
    for name in ("requested_datetime", "updated_datetime"):
        moment = datetime.fromisoformat(public[name])
        assert (moment.minute, moment.second, moment.microsecond) == (0, 0, 0)
    assert datetime.fromisoformat(public["requested_datetime"]) <= exact
    # a date filter cannot bisect the exact time: within the hour every bound answers alike
    answers = set()
    for seconds in (-1, 1):
        bound = (exact + timedelta(seconds=seconds)).isoformat()
        listed = client.get("/open311/v2/requests.json", query_string={"start_date": bound})
        answers.add(tuple(r["service_request_id"] for r in listed.json))
    assert len(answers) == 1


def test_the_citys_requests_keep_their_given_place(client, world, open311_keys):
    form = {"api_key": API_KEY, "service_code": "other", "lat": "31.2304", "long": "121.4737"}
    created = client.post("/open311/v2/requests.json", data={**form, "address_string": "Gate 3"})
    rid = created.json[0]["service_request_id"]
    public = client.get(f"/open311/v2/requests/{rid}.json").json[0]
    assert (public["lat"], public["long"], public["address"]) == (31.2304, 121.4737, "Gate 3")
    assert datetime.fromisoformat(public["requested_datetime"]).minute == 0
