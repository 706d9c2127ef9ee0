"""Hours: logging rules, scope, approval once, and hours.approved through the outbox."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from tests.integration.volunteers.helpers import (
    iso,
    log,
    outbox_events,
    run_together,
    two_hours_ago,
)


def test_log_two_hours_and_approve_emits_one_event(client, world, volunteers_app):
    start = two_hours_ago()
    response = log(client, world.member, world.grid["id"], start)
    assert response.status_code == 201, response.json
    entry = response.json
    assert entry["status"] == "pending" and entry["minutes"] == 120
    assert entry["source"] == "self"

    approved = client.post(
        f"/api/v1/hours/{entry['id']}/approve", headers=world.coordinator.headers
    )
    assert approved.status_code == 200, approved.json
    assert approved.json["status"] == "approved"
    assert approved.json["decided_by"] == str(world.coordinator.id)

    again = client.post(f"/api/v1/hours/{entry['id']}/approve", headers=world.coordinator.headers)
    assert again.status_code == 409
    assert again.json["type"].endswith("/wrong-state")

    events = outbox_events("hours.approved")
    assert len(events) == 1
    assert events[0]["subject"] == str(world.member.id)
    assert events[0]["data"] == {
        "hours_id": entry["id"],
        "member_id": str(world.member.id),
        "organization_id": world.grid["id"],
        "minutes": 120,
        "approved_by": str(world.coordinator.id),
        # the day the work was done, in the district's time zone
        "work_date": start.astimezone(volunteers_app.config["SETTINGS"].district_timezone)
        .date()
        .isoformat(),
    }


def test_two_coordinators_approving_at_once_one_wins(client, volunteers_app, world, person):
    entry = log(client, world.member, world.grid["id"], two_hours_ago()).json
    second = world.grid_coordinator

    def approve(who):
        def call():
            with volunteers_app.test_client() as c:
                return c.post(f"/api/v1/hours/{entry['id']}/approve", headers=who.headers)

        return call

    for _ in range(3):  # a few rounds: the race must never let both through
        results = run_together(approve(world.coordinator), approve(second))
        statuses = sorted(r.status_code for r in results)
        assert statuses in ([200, 409], [409, 409])
    assert len(outbox_events("hours.approved")) == 1


def test_member_cannot_approve_and_coordinator_outside_scope_cannot(client, world):
    entry = log(client, world.member, world.grid["id"], two_hours_ago()).json
    other_member = world.rider
    denied = client.post(f"/api/v1/hours/{entry['id']}/approve", headers=other_member.headers)
    assert denied.status_code == 403
    outside = client.post(f"/api/v1/hours/{entry['id']}/approve", headers=world.outsider.headers)
    assert outside.status_code == 403
    assert outside.json["type"].endswith("/out-of-scope")
    # a grid coordinator acts on the grid, not on the community above it
    upper = log(client, world.member, world.community["id"], two_hours_ago() - timedelta(hours=5))
    assert upper.status_code == 201
    above = client.post(
        f"/api/v1/hours/{upper.json['id']}/approve", headers=world.grid_coordinator.headers
    )
    assert above.status_code == 403
    # the admin acts everywhere
    assert (
        client.post(f"/api/v1/hours/{entry['id']}/approve", headers=world.admin.headers).status_code
        == 200
    )
    assert outbox_events("hours.approved")[0]["data"]["approved_by"] == str(world.admin.id)


def test_coordinator_cannot_approve_own_hours(client, world):
    entry = log(client, world.coordinator, world.grid["id"], two_hours_ago()).json
    response = client.post(
        f"/api/v1/hours/{entry['id']}/approve", headers=world.coordinator.headers
    )
    assert response.status_code == 403
    assert response.json["type"].endswith("/own-hours")


def test_reject_needs_reason_and_is_final(client, world):
    entry = log(client, world.member, world.grid["id"], two_hours_ago()).json
    missing = client.post(
        f"/api/v1/hours/{entry['id']}/reject", json={}, headers=world.coordinator.headers
    )
    assert missing.status_code == 422 and "reason" in missing.json["errors"]
    rejected = client.post(
        f"/api/v1/hours/{entry['id']}/reject",
        json={"reason": "not our activity"},
        headers=world.coordinator.headers,
    )
    assert rejected.status_code == 200
    assert rejected.json["status"] == "rejected"
    assert rejected.json["reject_reason"] == "not our activity"
    approve = client.post(f"/api/v1/hours/{entry['id']}/approve", headers=world.coordinator.headers)
    assert approve.status_code == 409
    assert outbox_events("hours.approved") == []  # rejected hours never pay
    # a rejected entry no longer blocks its time
    assert log(client, world.member, world.grid["id"], two_hours_ago()).status_code == 201


def test_overlapping_future_and_stale_hours_are_refused(client, world):
    start = two_hours_ago()
    assert log(client, world.member, world.grid["id"], start).status_code == 201
    overlap = log(client, world.member, world.grid["id"], start + timedelta(minutes=30))
    assert overlap.status_code == 409
    assert overlap.json["type"].endswith("/overlapping-hours")
    # touching the end is not an overlap
    after = log(client, world.member, world.grid["id"], start + timedelta(minutes=120), minutes=30)
    assert after.status_code == 201

    future = log(client, world.member, world.grid["id"], datetime.now(UTC) + timedelta(hours=1))
    assert future.status_code == 422
    assert "ended_at" in future.json["errors"]

    old = datetime.now(UTC) - timedelta(days=9)
    stale = log(client, world.member, world.grid["id"], old)
    assert stale.status_code == 403
    assert stale.json["type"].endswith("/self-logging-closed")
    # ... but a coordinator in scope can enter them, and they record the source
    entered = log(client, world.coordinator, world.grid["id"], old, member_id=str(world.member.id))
    assert entered.status_code == 201, entered.json
    assert entered.json["source"] == "coordinator"
    assert entered.json["member_id"] == str(world.member.id)
    assert entered.json["entered_by"] == str(world.coordinator.id)

    backwards = client.post(
        "/api/v1/hours",
        json={
            "organization_id": world.grid["id"],
            "started_at": iso(start),
            "ended_at": iso(start - timedelta(hours=1)),
        },
        headers=world.member.headers,
    )
    assert backwards.status_code == 422


def test_concurrent_overlapping_logs_only_one_lands(client, volunteers_app, world):
    start = two_hours_ago() - timedelta(days=1)

    def call():
        with volunteers_app.test_client() as c:
            return log(c, world.member, world.grid["id"], start)

    results = run_together(call, call, call)
    assert sorted(r.status_code for r in results) == [201, 409, 409]


def test_member_cannot_enter_hours_for_others_or_outside_scope(client, world):
    start = two_hours_ago()
    as_member = log(client, world.member, world.grid["id"], start, member_id=str(world.rider.id))
    assert as_member.status_code == 403
    outside = log(client, world.outsider, world.grid["id"], start, member_id=str(world.rider.id))
    assert outside.status_code == 403


def test_bad_input_is_clear(client, world):
    unknown_org = log(client, world.member, str(uuid.uuid4()), two_hours_ago())
    assert unknown_org.status_code == 422 and "organization_id" in unknown_org.json["errors"]
    malformed = client.post(
        "/api/v1/hours",
        data="{not json",
        headers={**world.member.headers, "Content-Type": "application/json"},
    )
    assert malformed.status_code == 400
    naive = client.post(
        "/api/v1/hours",
        json={
            "organization_id": world.grid["id"],
            "started_at": "2026-01-01T10:00:00",
            "ended_at": "2026-01-01T11:00:00",
        },
        headers=world.member.headers,
    )
    assert naive.status_code == 422 and "started_at" in naive.json["errors"]
    assert (
        client.post("/api/v1/hours/not-a-uuid/approve", headers=world.admin.headers).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/hours/{uuid.uuid4()}/approve", headers=world.admin.headers
        ).status_code
        == 404
    )


def test_listing_scope_and_pagination(client, world):
    base = two_hours_ago() - timedelta(days=2)
    for i in range(5):
        log(client, world.member, world.grid["id"], base + timedelta(hours=3 * i), minutes=60)
    log(client, world.rider, world.other_community["id"], base, minutes=60)

    mine = client.get("/api/v1/hours?limit=2", headers=world.member.headers).json
    assert len(mine["items"]) == 2 and mine["next_cursor"]
    seen = [i["id"] for i in mine["items"]]
    cursor = mine["next_cursor"]
    while cursor:
        page = client.get(f"/api/v1/hours?limit=2&cursor={cursor}", headers=world.member.headers)
        seen += [i["id"] for i in page.json["items"]]
        cursor = page.json["next_cursor"]
    assert len(seen) == len(set(seen)) == 5

    scoped = client.get("/api/v1/hours?status=pending", headers=world.coordinator.headers).json
    assert {i["organization_id"] for i in scoped["items"]} == {world.grid["id"]}
    assert len(scoped["items"]) == 5
    other = client.get("/api/v1/hours", headers=world.outsider.headers).json
    assert [i["member_id"] for i in other["items"]] == [str(world.rider.id)]
    snoop = client.get(f"/api/v1/hours?member_id={world.rider.id}", headers=world.member.headers)
    assert snoop.status_code == 403
    bad_cursor = client.get("/api/v1/hours?cursor=zzz", headers=world.member.headers)
    assert bad_cursor.status_code == 422


def test_scope_reaches_every_level_below_and_every_listed_root(client, world, person):
    street_coordinator = person(roles=["coordinator"], orgs=[uuid.UUID(world.street["id"])])
    two_roots = person(
        roles=["coordinator"],
        orgs=[uuid.UUID(world.grid["id"]), uuid.UUID(world.other_community["id"])],
    )
    start = two_hours_ago()
    in_grid = log(client, world.member, world.grid["id"], start).json
    in_other = log(client, world.rider, world.other_community["id"], start).json
    in_community = log(client, world.rider, world.community["id"], start - timedelta(hours=4)).json

    listed = client.get("/api/v1/hours", headers=two_roots.headers).json["items"]
    assert {h["id"] for h in listed} == {in_grid["id"], in_other["id"]}
    assert (
        client.post(
            f"/api/v1/hours/{in_community['id']}/approve", headers=two_roots.headers
        ).status_code
        == 403
    )
    for entry in (in_grid, in_other, in_community):  # two and three levels down
        approved = client.post(
            f"/api/v1/hours/{entry['id']}/approve", headers=street_coordinator.headers
        )
        assert approved.status_code == 200
    # the coordinator role without organisations acts nowhere
    nowhere = person(roles=["coordinator"])
    assert client.get("/api/v1/hours?status=approved", headers=nowhere.headers).json["items"] == []


def test_a_coordinator_lists_the_hours_of_one_activity(client, world, person):
    start = two_hours_ago() - timedelta(days=1)
    activity = client.post(
        "/api/v1/activities",
        json={
            "title": "Canal clean-up",
            "organization_id": world.grid["id"],
            "starts_at": iso(start),
            "ends_at": iso(start + timedelta(hours=2)),
            "capacity": 10,
            "location": "East lock",
        },
        headers=world.coordinator.headers,
    ).json
    attendees = [world.member, person()]
    for attendee in attendees:
        attended = client.post(
            "/api/v1/hours",
            json={
                "activity_id": activity["id"],
                "member_id": str(attendee.id),
                "started_at": activity["starts_at"],
                "ended_at": activity["ends_at"],
            },
            headers=world.coordinator.headers,
        )
        assert attended.status_code == 201, attended.json
    elsewhere = log(client, world.member, world.grid["id"], start - timedelta(days=1), minutes=60)
    assert elsewhere.status_code == 201

    query = f"/api/v1/hours?activity_id={activity['id']}&status=pending"
    listed = client.get(query, headers=world.coordinator.headers).json["items"]
    assert {entry["member_id"] for entry in listed} == {str(a.id) for a in attendees}
    assert {entry["activity_id"] for entry in listed} == {activity["id"]}
    # a member sees only their own, filtered the same way
    mine = client.get(query, headers=world.member.headers).json["items"]
    assert [entry["member_id"] for entry in mine] == [str(world.member.id)]
    not_an_id = client.get("/api/v1/hours?activity_id=x", headers=world.member.headers)
    assert not_an_id.status_code == 422
