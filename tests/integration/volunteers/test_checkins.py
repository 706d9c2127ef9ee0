"""Check-ins: rotating signed codes, position inside the radius, once per member, station, day."""

from __future__ import annotations

import time
import uuid

import segno  # noqa: F401  (the SVG below is segno's)

from services.volunteers.domain.signing import issue_station_code
from tests.integration.volunteers.helpers import (
    AT_STATION,
    check_in,
    current_code,
    outbox_events,
    run_together,
)


def test_check_in_with_the_current_code_emits_one_event(client, world):
    code = current_code(client, world)
    assert code["qr_payload"] == f"civic-checkin:{world.station['id']}:{code['code']}"
    response = check_in(client, world.member, world.station["id"], code["code"])
    assert response.status_code == 201, response.json
    body = response.json
    assert body["station_id"] == world.station["id"]
    assert body["organization_id"] == world.community["id"]
    assert body["distance_m"] < 100
    events = outbox_events("checkin.recorded")
    assert len(events) == 1
    assert events[0]["subject"] == str(world.member.id)
    assert events[0]["data"] == {
        "checkin_id": body["id"],
        "member_id": str(world.member.id),
        "station_id": world.station["id"],
        "organization_id": world.community["id"],
        "day": body["day"],
    }
    mine = client.get("/api/v1/checkins", headers=world.member.headers).json
    assert [c["id"] for c in mine["items"]] == [body["id"]]


def test_second_check_in_the_same_day_is_refused(client, world):
    code = current_code(client, world)["code"]
    assert check_in(client, world.member, world.station["id"], code).status_code == 201
    again = check_in(client, world.member, world.station["id"], code)
    assert again.status_code == 409
    assert again.json["type"].endswith("/already-checked-in")
    assert len(outbox_events("checkin.recorded")) == 1
    # someone else may, sending the whole scanned QR payload
    scanned = f"civic-checkin:{world.station['id']}:{code}"
    assert check_in(client, world.rider, world.station["id"], scanned).status_code == 201
    elsewhere = f"civic-checkin:{uuid.uuid4()}:{code}"
    wrong = check_in(client, world.coordinator, world.station["id"], elsewhere)
    assert wrong.status_code == 422 and "code" in wrong.json["errors"]


def test_two_check_ins_at_once_make_one(client, volunteers_app, world):
    code = current_code(client, world)["code"]

    def call():
        with volunteers_app.test_client() as c:
            return check_in(c, world.member, world.station["id"], code)

    results = run_together(call, call, call)
    assert sorted(r.status_code for r in results) == [201, 409, 409]
    assert len(outbox_events("checkin.recorded")) == 1


def test_stale_forged_and_foreign_codes_are_refused(client, volunteers_app, world):
    cfg = volunteers_app.extensions["volunteers_config"]
    station = uuid.UUID(world.station["id"])
    stale = issue_station_code(cfg.code_key, station, time.time() - 3600, cfg.code_ttl).code
    response = check_in(client, world.member, world.station["id"], stale)
    assert response.status_code == 422
    assert response.json["type"].endswith("/expired-code")
    assert "code" in response.json["errors"]

    good = current_code(client, world)["code"]
    version, expires, signature = good.split(".")
    forged_signature = f"{version}.{expires}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    forged = check_in(client, world.member, world.station["id"], forged_signature)
    assert forged.status_code == 422 and forged.json["type"].endswith("/invalid-code")
    # stretching the expiry breaks the signature too
    longer = check_in(
        client, world.member, world.station["id"], f"{version}.{int(expires) + 600}.{signature}"
    )
    assert longer.status_code == 422 and longer.json["type"].endswith("/invalid-code")
    garbage = check_in(client, world.member, world.station["id"], "let me in")
    assert garbage.status_code == 422 and garbage.json["type"].endswith("/invalid-code")
    # another station's code does not open this one
    other = client.post(
        "/api/v1/organizations",
        json={
            "name": "Oak Station",
            "kind": "station",
            "parent_id": world.community["id"],
            "lat": 31.2312,
            "lng": 121.4742,
            "radius_m": 100,
        },
        headers=world.admin.headers,
    ).json
    other_code = client.get(
        f"/api/v1/stations/{other['id']}/code", headers=world.coordinator.headers
    ).json["code"]
    foreign = check_in(client, world.member, world.station["id"], other_code)
    assert foreign.status_code == 422 and foreign.json["type"].endswith("/invalid-code")
    assert outbox_events() == []


def test_a_kilometre_away_is_refused(client, world):
    code = current_code(client, world)["code"]
    far = {"lat": AT_STATION["lat"] + 1000 / 111_320, "lng": AT_STATION["lng"]}
    response = check_in(client, world.member, world.station["id"], code, far)
    assert response.status_code == 422
    assert response.json["type"].endswith("/outside-station")
    assert 950 < response.json["distance_m"] < 1100
    assert outbox_events() == []


def test_codes_are_for_coordinators_in_scope(client, world):
    path = f"/api/v1/stations/{world.station['id']}/code"
    assert client.get(path, headers=world.member.headers).status_code == 403
    assert client.get(path, headers=world.outsider.headers).status_code == 403
    assert (
        client.get(f"/api/v1/stations/{uuid.uuid4()}/code", headers=world.admin.headers).status_code
        == 404
    )
    not_a_station = client.get(
        f"/api/v1/stations/{world.grid['id']}/code", headers=world.coordinator.headers
    )
    assert not_a_station.status_code == 409
    unknown = check_in(client, world.member, str(uuid.uuid4()), "c1.1.x")
    assert unknown.status_code == 422 and "station_id" in unknown.json["errors"]


def test_code_as_qr_svg(client, world):
    response = client.get(
        f"/api/v1/stations/{world.station['id']}/code.svg", headers=world.coordinator.headers
    )
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert b"<svg" in response.data
    assert response.headers["Cache-Control"] == "no-store"


def test_another_stations_scanned_qr_is_an_invalid_code(client, world):
    # the docs: a forged, foreign or malformed code is 422 invalid-code, scanned or typed
    code = current_code(client, world)["code"]
    elsewhere = f"civic-checkin:{uuid.uuid4()}:{code}"
    wrong = check_in(client, world.member, world.station["id"], elsewhere)
    assert wrong.status_code == 422 and wrong.json["type"].endswith("/invalid-code")
    assert "code" in wrong.json["errors"]


def test_the_six_digits_typed_check_in_as_the_signed_code_does(client, world):
    code = current_code(client, world)
    short = code["short_code"]
    assert len(short) == 6 and short.isdigit()
    typed = f"{short[:3]} {short[3:]}"  # as the station's screen shows it
    response = check_in(client, world.member, world.station["id"], typed)
    assert response.status_code == 201, response.json
    # the same code, once per member: the signed one is refused as the typed one would be
    again = check_in(client, world.member, world.station["id"], code["code"])
    assert again.status_code == 409
    assert len(outbox_events("checkin.recorded")) == 1


def test_wrong_six_digits_slow_the_member_down_and_signed_codes_do_not(client, world):
    code = current_code(client, world)
    wrong = f"{(int(code['short_code']) + 1) % 1_000_000:06d}"
    for _ in range(5):
        refused = check_in(client, world.member, world.station["id"], wrong)
        assert refused.status_code == 422, refused.json
        assert refused.json["type"].endswith("/invalid-code")
    slowed = check_in(client, world.member, world.station["id"], code["short_code"])
    assert slowed.status_code == 429
    assert slowed.json["type"].endswith("/too-many-code-guesses")
    assert int(slowed.headers["Retry-After"]) >= 1
    # someone else is not slowed by it, and a signed code cannot be guessed, so is not either
    other = check_in(client, world.rider, world.station["id"], code["short_code"])
    assert other.status_code == 201, other.json
    signed = check_in(client, world.member, world.station["id"], code["code"])
    assert signed.status_code == 201, signed.json


def test_a_right_six_digits_wipe_the_wrong_ones(client, world, redis_client):
    code = current_code(client, world)
    wrong = f"{(int(code['short_code']) + 7) % 1_000_000:06d}"
    for _ in range(3):
        assert check_in(client, world.member, world.station["id"], wrong).status_code == 422
    guesses = f"civic:guesses:checkin-short-code:{world.member.id}"
    assert int(redis_client.hget(guesses, "failures")) == 3
    right = check_in(client, world.member, world.station["id"], code["short_code"])
    assert right.status_code == 201, right.json
    assert not redis_client.exists(guesses)
