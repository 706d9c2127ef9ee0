"""Personal details: ID numbers masked in every view; coordinators see only their members."""

from __future__ import annotations

from datetime import timedelta

from tests.integration.volunteers.helpers import log, two_hours_ago

RIDER = {"platform": "Meituan", "rider_id": "MT2024556677"}
MASKED = {"platform": "Meituan", "rider_id": "********6677"}


def set_rider(client, who, **profile):
    response = client.put(
        "/api/v1/me/profile", json={"rider": RIDER, **profile}, headers=who.headers
    )
    assert response.status_code == 200, response.json
    return response


def test_rider_ids_are_masked_in_every_view(client, world):
    assert (
        set_rider(client, world.rider, home_community_id=world.community["id"]).json["rider"]
        == MASKED
    )
    own = client.get("/api/v1/me/profile", headers=world.rider.headers).json
    assert own["rider"] == MASKED
    one = client.get(f"/api/v1/members/{world.rider.id}", headers=world.coordinator.headers)
    assert one.status_code == 200 and one.json["rider"] == MASKED
    listed = client.get("/api/v1/members", headers=world.coordinator.headers).json["items"]
    assert [m["rider"] for m in listed if m["id"] == str(world.rider.id)] == [MASKED]
    by_admin = client.get(f"/api/v1/members/{world.rider.id}", headers=world.admin.headers).json
    assert by_admin["rider"] == MASKED


def test_a_pending_entry_a_coordinator_planted_does_not_open_a_members_profile(client, world):
    set_rider(client, world.rider)
    planted = log(
        client,
        world.outsider,
        world.other_community["id"],
        two_hours_ago(),
        member_id=str(world.rider.id),
    )
    assert planted.status_code == 201, planted.json
    peek = client.get(f"/api/v1/members/{world.rider.id}", headers=world.outsider.headers)
    assert peek.status_code == 404
    # approved work (approved by someone else) does
    approved = client.post(
        f"/api/v1/hours/{planted.json['id']}/approve", headers=world.admin.headers
    )
    assert approved.status_code == 200, approved.json
    seen = client.get(f"/api/v1/members/{world.rider.id}", headers=world.outsider.headers)
    assert seen.status_code == 200 and seen.json["rider"] == MASKED


def test_an_overlap_names_the_callers_own_entries_only(client, world):
    start = two_hours_ago()
    own = log(client, world.member, world.grid["id"], start)
    assert own.status_code == 201
    probe = log(
        client,
        world.outsider,
        world.other_community["id"],
        start + timedelta(minutes=30),
        member_id=str(world.member.id),
    )
    assert probe.status_code == 409
    assert probe.json["type"].endswith("/overlapping-hours")
    assert "conflicting_id" not in probe.json
    assert start.isoformat() not in probe.json["detail"]
    # the member's own clash, or a coordinator's own entry, is named
    again = log(client, world.member, world.grid["id"], start + timedelta(minutes=30))
    assert again.status_code == 409 and again.json["conflicting_id"] == own.json["id"]
    yesterday = start - timedelta(days=1)
    entered, twice = (
        log(client, world.outsider, world.other_community["id"], yesterday, member_id=rider)
        for rider in (str(world.rider.id),) * 2
    )
    assert twice.status_code == 409 and twice.json["conflicting_id"] == entered.json["id"]
