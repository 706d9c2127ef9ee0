"""Check-in codes relayed to remote accounts: a code proves one member's presence once,
crowds on one code and impossible journeys are flagged for an admin (GET /flags)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.volunteers.domain.signing import issue_station_code
from services.volunteers.usecases import checkins
from tests.integration.volunteers.helpers import (
    AT_STATION,
    check_in,
    create_org,
    current_code,
    flags,
    with_flag_limits,
)


def test_one_code_checks_a_member_in_once_even_across_midnight(
    client, world, volunteers_app, monkeypatch
):
    cfg = volunteers_app.extensions["volunteers_config"]
    before_midnight = datetime(2026, 3, 1, 15, 59, tzinfo=UTC)  # 23:59 in Shanghai
    code = issue_station_code(
        cfg.code_key, world.station["id"], before_midnight.timestamp(), cfg.code_ttl
    ).code
    monkeypatch.setattr(checkins, "now_utc", lambda: before_midnight)
    first = check_in(client, world.member, world.station["id"], code)
    assert first.status_code == 201 and first.json["day"] == "2026-03-01"
    # two minutes later it is another day, and the code is still current: it is spent
    monkeypatch.setattr(checkins, "now_utc", lambda: before_midnight + timedelta(minutes=2))
    again = check_in(client, world.member, world.station["id"], code)
    assert again.status_code == 409, again.json
    assert again.json["type"].endswith("/code-used")
    # another member may use it
    assert check_in(client, world.rider, world.station["id"], code).status_code == 201


def test_many_members_on_one_code_raise_one_crowd_flag(
    client, world, volunteers_app, monkeypatch, person
):
    with_flag_limits(volunteers_app, monkeypatch, checkin_crowd=3)
    code = current_code(client, world)["code"]
    members = [person(username=f"m{i}") for i in range(4)]
    for member in members[:2]:
        assert check_in(client, member, world.station["id"], code).status_code == 201
    assert flags(client, world, kind="checkin-crowd") == []
    for member in members[2:]:
        assert check_in(client, member, world.station["id"], code).status_code == 201
    [crowd] = flags(client, world, kind="checkin-crowd")
    assert crowd["member_id"] is None
    assert crowd["details"]["station_id"] == world.station["id"]
    assert crowd["details"]["members"] >= 3
    assert crowd["reviewed_at"] is None


def test_check_ins_too_far_apart_for_the_time_between_are_flagged(client, world):
    far = create_org(
        client,
        world.admin.headers,
        name="Pine Station",
        kind="station",
        parent_id=world.community["id"],
        lat=31.2310 + 0.5,  # about 55 km north
        lng=121.4740,
        radius_m=100,
    )
    near = current_code(client, world)["code"]
    assert check_in(client, world.member, world.station["id"], near).status_code == 201
    assert flags(client, world, kind="implausible-speed") == []
    far_code = client.get(
        f"/api/v1/stations/{far['id']}/code", headers=world.coordinator.headers
    ).json["code"]
    there = {"lat": AT_STATION["lat"] + 0.5, "lng": AT_STATION["lng"]}
    arrived = check_in(client, world.member, far["id"], far_code, there)
    assert arrived.status_code == 201  # flagged, not refused
    [flag] = flags(client, world, kind="implausible-speed")
    assert flag["member_id"] == str(world.member.id)
    assert flag["details"]["from_station_id"] == world.station["id"]
    assert flag["details"]["to_station_id"] == far["id"]
    assert flag["details"]["distance_m"] > 50_000
    assert flag["details"]["speed_kmh"] > 120


def test_flags_are_for_admins_who_review_each_once(
    client, world, volunteers_app, monkeypatch, person
):
    with_flag_limits(volunteers_app, monkeypatch, checkin_crowd=2)
    code = current_code(client, world)["code"]
    for member in (person(), person()):
        assert check_in(client, member, world.station["id"], code).status_code == 201
    assert client.get("/api/v1/flags", headers=world.coordinator.headers).status_code == 403
    [flag] = flags(client, world, reviewed="false")
    path = f"/api/v1/flags/{flag['id']}/review"
    assert client.post(path, json={}, headers=world.coordinator.headers).status_code == 403
    reviewed = client.post(path, json={"note": "a training day"}, headers=world.admin.headers)
    assert reviewed.status_code == 200, reviewed.json
    assert reviewed.json["reviewed_by"] == str(world.admin.id)
    assert reviewed.json["review_note"] == "a training day"
    again = client.post(path, json={}, headers=world.admin.headers)
    assert again.status_code == 409 and again.json["type"].endswith("/wrong-state")
    assert flags(client, world, reviewed="false") == []
    assert [f["id"] for f in flags(client, world, reviewed="true")] == [flag["id"]]
    unknown = client.post(
        "/api/v1/flags/00000000-0000-0000-0000-000000000000/review",
        json={},
        headers=world.admin.headers,
    )
    assert unknown.status_code == 404
    bad_kind = client.get("/api/v1/flags?kind=nope", headers=world.admin.headers)
    assert bad_kind.status_code == 422
