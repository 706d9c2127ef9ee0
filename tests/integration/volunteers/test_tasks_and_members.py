"""Tasks, profiles, party registration and activities."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from tests.integration.volunteers.helpers import outbox_events, run_together


def post_task(client, who, org_id, kind="dispute_mediation"):
    return client.post(
        "/api/v1/tasks",
        json={"organization_id": org_id, "kind": kind, "title": "Noise dispute, block 4"},
        headers=who.headers,
    )


def test_task_lifecycle_emits_task_completed_once(client, world):
    created = post_task(client, world.coordinator, world.grid["id"])
    assert created.status_code == 201, created.json
    tid = created.json["id"]
    assert created.json["status"] == "open"
    assert (
        client.post(
            f"/api/v1/tasks/{tid}/finish", json={}, headers=world.member.headers
        ).status_code
        == 403
    )
    claimed = client.post(f"/api/v1/tasks/{tid}/claim", headers=world.member.headers)
    assert claimed.status_code == 200 and claimed.json["claimed_by"] == str(world.member.id)
    assert client.post(f"/api/v1/tasks/{tid}/claim", headers=world.rider.headers).status_code == 409
    # confirming before it is done is the wrong state
    assert (
        client.post(f"/api/v1/tasks/{tid}/confirm", headers=world.coordinator.headers).status_code
        == 409
    )
    done = client.post(
        f"/api/v1/tasks/{tid}/finish",
        json={"note": "agreed quiet hours"},
        headers=world.member.headers,
    )
    assert done.status_code == 200 and done.json["status"] == "done"
    assert (
        client.post(f"/api/v1/tasks/{tid}/confirm", headers=world.outsider.headers).status_code
        == 403
    )
    assert (
        client.post(f"/api/v1/tasks/{tid}/confirm", headers=world.member.headers).status_code == 403
    )
    confirmed = client.post(f"/api/v1/tasks/{tid}/confirm", headers=world.coordinator.headers)
    assert confirmed.status_code == 200 and confirmed.json["status"] == "confirmed"
    assert (
        client.post(f"/api/v1/tasks/{tid}/confirm", headers=world.coordinator.headers).status_code
        == 409
    )
    events = outbox_events("task.completed")
    assert len(events) == 1
    assert events[0]["subject"] == str(world.member.id)
    assert events[0]["data"] == {
        "task_id": tid,
        "member_id": str(world.member.id),
        "organization_id": world.grid["id"],
        "kind": "dispute_mediation",
    }


def test_claiming_at_once_one_wins(client, volunteers_app, world, person):
    tid = post_task(client, world.coordinator, world.grid["id"]).json["id"]
    members = [person() for _ in range(4)]

    def claim(member):
        def run():
            with volunteers_app.test_client() as c:
                return c.post(f"/api/v1/tasks/{tid}/claim", headers=member.headers)

        return run

    results = run_together(*(claim(m) for m in members))
    assert sorted(r.status_code for r in results) == [200, 409, 409, 409]


def test_task_posting_rules_and_listing(client, world):
    assert post_task(client, world.member, world.grid["id"]).status_code == 403
    assert post_task(client, world.outsider, world.grid["id"]).status_code == 403
    bad_kind = post_task(client, world.coordinator, world.grid["id"], kind="gardening")
    assert bad_kind.status_code == 422 and "kind" in bad_kind.json["errors"]
    for kind in ("practical_matter", "policy_outreach", "volunteer_service"):
        assert post_task(client, world.coordinator, world.grid["id"], kind=kind).status_code == 201
    tid = post_task(client, world.coordinator, world.grid["id"]).json["id"]
    client.post(f"/api/v1/tasks/{tid}/claim", headers=world.rider.headers)
    open_for_member = client.get("/api/v1/tasks", headers=world.member.headers).json["items"]
    assert len(open_for_member) == 3 and all(t["status"] == "open" for t in open_for_member)
    mine = client.get("/api/v1/tasks?mine=true", headers=world.rider.headers).json["items"]
    assert [t["id"] for t in mine] == [tid]
    assert client.get(f"/api/v1/tasks/{tid}", headers=world.member.headers).status_code == 403
    released = client.post(f"/api/v1/tasks/{tid}/release", headers=world.rider.headers)
    assert released.json["status"] == "open" and released.json["claimed_by"] is None
    cancelled = client.post(f"/api/v1/tasks/{tid}/cancel", headers=world.coordinator.headers)
    assert cancelled.json["status"] == "cancelled"
    assert client.post(f"/api/v1/tasks/{tid}/claim", headers=world.rider.headers).status_code == 409


def test_profile_is_created_on_first_use_and_editable(client, world):
    first = client.get("/api/v1/me/profile", headers=world.rider.headers)
    assert first.status_code == 200
    assert first.json["id"] == str(world.rider.id)
    assert first.json["display_name"] == "rick"
    assert first.json["rider"] is None
    updated = client.put(
        "/api/v1/me/profile",
        json={
            "display_name": "Rick Wu",
            "home_community_id": world.community["id"],
            "rider": {"platform": "Meituan", "rider_id": "MT-4471"},
        },
        headers=world.rider.headers,
    )
    assert updated.status_code == 200, updated.json
    assert updated.json["display_name"] == "Rick Wu"
    # the ID number is masked in every view, the owner's own included
    assert updated.json["rider"] == {"platform": "Meituan", "rider_id": "*****71"}
    assert updated.json["home_community_id"] == world.community["id"]
    unknown = client.put(
        "/api/v1/me/profile",
        json={"home_community_id": str(uuid.uuid4())},
        headers=world.rider.headers,
    )
    assert unknown.status_code == 422 and "home_community_id" in unknown.json["errors"]
    seen = client.get(f"/api/v1/members/{world.rider.id}", headers=world.coordinator.headers)
    assert seen.status_code == 200 and seen.json["display_name"] == "Rick Wu"
    # a coordinator elsewhere cannot look the rider up by id
    elsewhere = client.get(f"/api/v1/members/{world.rider.id}", headers=world.outsider.headers)
    assert elsewhere.status_code == 404
    assert (
        client.get(f"/api/v1/members/{world.rider.id}", headers=world.member.headers).status_code
        == 403
    )
    assert (
        client.get(f"/api/v1/members/{uuid.uuid4()}", headers=world.admin.headers).status_code
        == 404
    )


def test_party_member_registers_once(client, world, person):
    party = person(roles=["member", "party_member"], username="pat")
    body = {"branch": "Elm Branch", "community_id": world.community["id"]}
    assert (
        client.post(
            "/api/v1/party/registration", json=body, headers=world.member.headers
        ).status_code
        == 403
    )
    not_community = client.post(
        "/api/v1/party/registration",
        json={"branch": "Elm Branch", "community_id": world.grid["id"]},
        headers=party.headers,
    )
    assert not_community.status_code == 422
    registered = client.post("/api/v1/party/registration", json=body, headers=party.headers)
    assert registered.status_code == 201, registered.json
    assert registered.json["party"]["community_id"] == world.community["id"]
    again = client.post("/api/v1/party/registration", json=body, headers=party.headers)
    assert again.status_code == 409 and again.json["type"].endswith("/already-registered")
    mine = client.get("/api/v1/party/registration", headers=party.headers)
    assert mine.status_code == 200 and mine.json["branch"] == "Elm Branch"
    assert client.get("/api/v1/party/registration", headers=world.member.headers).status_code == 404


def test_activities_sign_up_capacity_and_attendance_hours(client, volunteers_app, world, person):
    now = datetime.now(UTC).replace(microsecond=0)
    body = {
        "title": "River clean-up",
        "organization_id": world.grid["id"],
        "starts_at": (now + timedelta(days=1)).isoformat(),
        "ends_at": (now + timedelta(days=1, hours=3)).isoformat(),
        "capacity": 2,
        "location": "North bank",
    }
    assert (
        client.post("/api/v1/activities", json=body, headers=world.member.headers).status_code
        == 403
    )
    assert (
        client.post("/api/v1/activities", json=body, headers=world.outsider.headers).status_code
        == 403
    )
    backwards = {**body, "ends_at": body["starts_at"]}
    assert (
        client.post(
            "/api/v1/activities", json=backwards, headers=world.coordinator.headers
        ).status_code
        == 422
    )
    created = client.post("/api/v1/activities", json=body, headers=world.coordinator.headers)
    assert created.status_code == 201, created.json
    aid = created.json["id"]
    assert created.json["places_left"] == 2

    members = [person() for _ in range(4)]

    def sign_up(member):
        def run():
            with volunteers_app.test_client() as c:
                return c.post(f"/api/v1/activities/{aid}/signups", headers=member.headers)

        return run

    results = run_together(*(sign_up(m) for m in members))
    assert sorted(r.status_code for r in results) == [201, 201, 409, 409]
    full = [r for r in results if r.status_code == 409][0]
    assert full.json["type"].endswith("/activity-full")
    activity = client.get(f"/api/v1/activities/{aid}", headers=world.member.headers).json
    assert activity["signup_count"] == 2 and activity["places_left"] == 0
    winner = members[[r.status_code for r in results].index(201)]
    again = client.post(f"/api/v1/activities/{aid}/signups", headers=winner.headers)
    assert again.status_code == 409
    assert (
        client.delete(f"/api/v1/activities/{aid}/signups/me", headers=winner.headers).status_code
        == 204
    )
    listed = client.get(
        f"/api/v1/activities?organization_id={world.grid['id']}", headers=world.member.headers
    ).json
    assert [a["id"] for a in listed["items"]] == [aid]
    assert listed["items"][0]["signup_count"] == 1

    # a past activity: a coordinator records attendance as hours against it
    past = client.post(
        "/api/v1/activities",
        json={
            **body,
            "starts_at": (now - timedelta(days=2)).isoformat(),
            "ends_at": (now - timedelta(days=2) + timedelta(hours=2)).isoformat(),
        },
        headers=world.coordinator.headers,
    ).json
    entry = client.post(
        "/api/v1/hours",
        json={
            "activity_id": past["id"],
            "member_id": str(world.member.id),
            "started_at": past["starts_at"],
            "ended_at": past["ends_at"],
        },
        headers=world.coordinator.headers,
    )
    assert entry.status_code == 201, entry.json
    assert entry.json["source"] == "attendance"
    assert entry.json["organization_id"] == world.grid["id"]
    assert entry.json["minutes"] == 120
    over = client.post(f"/api/v1/activities/{past['id']}/signups", headers=world.member.headers)
    assert over.status_code == 409 and over.json["type"].endswith("/activity-over")


def test_coordinators_find_members_of_their_communities(client, world, person):
    def home(who, community, name):
        response = client.put(
            "/api/v1/me/profile",
            json={"display_name": name, "home_community_id": community["id"]},
            headers=who.headers,
        )
        assert response.status_code == 200

    home(world.member, world.community, "Mia 100%_sure")
    home(world.rider, world.other_community, "Rick")
    extra = person()
    home(extra, world.community, "Ann")
    listed = client.get("/api/v1/members?limit=1", headers=world.coordinator.headers).json
    assert [m["display_name"] for m in listed["items"]] == ["Ann"]
    rest = client.get(
        f"/api/v1/members?limit=1&cursor={listed['next_cursor']}", headers=world.coordinator.headers
    ).json
    assert [m["display_name"] for m in rest["items"]] == ["Mia 100%_sure"]
    assert rest["next_cursor"] is None
    found = client.get("/api/v1/members?q=0%25_s", headers=world.coordinator.headers).json
    assert [m["id"] for m in found["items"]] == [str(world.member.id)]
    assert client.get("/api/v1/members?q=%25", headers=world.coordinator.headers).json["items"] == [
        found["items"][0]
    ]
    everyone = client.get("/api/v1/members", headers=world.admin.headers).json["items"]
    assert len(everyone) == 3
    assert client.get("/api/v1/members", headers=world.member.headers).status_code == 403
    # a grid coordinator's scope holds no community
    assert client.get("/api/v1/members", headers=world.grid_coordinator.headers).json["items"] == []


def test_home_community_must_be_a_community(client, world):
    # it names the issuer of the member's service record: not a station, team or grid
    for other in (world.station, world.grid, world.street):
        response = client.put(
            "/api/v1/me/profile",
            json={"home_community_id": other["id"]},
            headers=world.member.headers,
        )
        assert response.status_code == 422, other["kind"]
        assert "home_community_id" in response.json["errors"]
    profile = client.get("/api/v1/me/profile", headers=world.member.headers).json
    assert profile["home_community_id"] is None
