"""Safety reports: duplicates, caps, the state machine, events and reversals, the rider's say."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from tests.integration.volunteers.helpers import (
    LAT,
    act,
    engine_for,
    outbox_events,
    report,
    run_together,
)


def test_categories_are_data(client, world):
    response = client.get("/api/v1/reports/categories", headers=world.rider.headers)
    assert response.status_code == 200
    codes = [c["code"] for c in response.json["items"]]
    assert codes[:4] == [
        "blocked_fire_lane",
        "ebike_charging_indoors",
        "missing_manhole_cover",
        "broken_street_light",
    ]
    assert "water_or_gas_leak" in codes and "other" in codes
    unknown = report(client, world.rider, category="dragons")
    assert unknown.status_code == 422 and "category" in unknown.json["errors"]


def test_report_is_placed_in_its_area_and_verifying_pays_once(client, world):
    created = report(client, world.rider)
    assert created.status_code == 201, created.json
    body = created.json
    assert body["status"] == "submitted" and body["duplicate_of"] is None
    assert body["organization_id"] == world.community["id"]

    verified = act(client, world.coordinator, body["id"], "verify")
    assert verified.status_code == 200 and verified.json["status"] == "verified"
    assert act(client, world.coordinator, body["id"], "verify").status_code == 409
    events = outbox_events("report.verified")
    assert len(events) == 1
    assert events[0]["subject"] == str(world.rider.id)
    assert events[0]["data"] == {
        "report_id": body["id"],
        "member_id": str(world.rider.id),
        "organization_id": world.community["id"],
        "category": "broken_street_light",
    }


def test_duplicate_nearby_is_linked_and_earns_nothing(client, world):
    original = report(client, world.rider).json
    # 30 m north, same category, another rider
    near = report(client, world.member, lat=LAT + 30 / 111_320).json
    assert near["duplicate_of"] == original["id"]
    # a third one links to the original, not to the duplicate
    third = report(client, world.member, lat=LAT + 35 / 111_320).json
    assert third["duplicate_of"] == original["id"]
    # other category, or 200 m away: original
    assert report(client, world.member, category="road_damage").json["duplicate_of"] is None
    assert report(client, world.member, lat=LAT + 200 / 111_320).json["duplicate_of"] is None

    assert act(client, world.coordinator, near["id"], "verify").status_code == 200
    assert outbox_events("report.verified") == []
    assert act(client, world.coordinator, original["id"], "verify").status_code == 200
    assert len(outbox_events("report.verified")) == 1
    # a duplicate closes as such by default
    closed = act(client, world.coordinator, near["id"], "resolve")
    assert closed.json["status"] == "resolved" and closed.json["close_reason"] == "duplicate"


def test_closed_or_old_reports_are_not_duplicated(client, world):
    first = report(client, world.rider).json
    act(client, world.coordinator, first["id"], "reject", reason="not a hazard")
    assert report(client, world.member).json["duplicate_of"] is None
    with engine_for("volunteers").begin() as connection:
        connection.execute(sa.text("UPDATE reports SET created_at = now() - interval '25 hours'"))
    assert report(client, world.coordinator).json["duplicate_of"] is None


def test_reports_at_once_one_original(client, volunteers_app, world, person):
    riders = [person(roles=["rider"]) for _ in range(4)]

    def call(rider):
        def run():
            with volunteers_app.test_client() as c:
                return report(c, rider, category="missing_manhole_cover")

        return run

    results = run_together(*(call(r) for r in riders))
    assert all(r.status_code == 201 for r in results)
    originals = [r.json for r in results if r.json["duplicate_of"] is None]
    assert len(originals) == 1
    assert {r.json["duplicate_of"] for r in results} == {None, originals[0]["id"]}


def test_hourly_cap_per_rider(client, world, volunteers_app, monkeypatch):
    import dataclasses

    cfg = volunteers_app.extensions["volunteers_config"]
    monkeypatch.setitem(
        volunteers_app.extensions, "volunteers_config", dataclasses.replace(cfg, reports_per_hour=3)
    )
    for i in range(3):
        assert report(client, world.rider, lat=LAT + i / 100).status_code == 201
    capped = report(client, world.rider, lat=LAT + 0.5)
    assert capped.status_code == 429
    assert capped.json["type"].endswith("/report-limit")
    assert int(capped.headers["Retry-After"]) > 0
    # another rider is not affected
    assert report(client, world.member, lat=LAT + 0.5).status_code == 201


def test_full_lifecycle_with_reasons(client, world):
    body = report(client, world.rider).json
    rid = body["id"]
    assert act(client, world.coordinator, rid, "dispatch").status_code == 409
    act(client, world.coordinator, rid, "verify")
    dispatched = act(client, world.coordinator, rid, "dispatch", note="street lights team")
    assert dispatched.json["status"] == "dispatched"
    resolved = act(
        client, world.coordinator, rid, "resolve", note="bulb replaced", close_reason="fixed"
    )
    assert resolved.json["status"] == "resolved"
    assert resolved.json["close_reason"] == "fixed"
    assert resolved.json["resolution_note"] == "bulb replaced"
    bad = act(client, world.coordinator, rid, "resolve", close_reason="bored")
    assert bad.status_code == 422 and "close_reason" in bad.json["errors"]
    assert act(client, world.coordinator, rid, "reject", reason="x").status_code == 409


def test_rejecting_a_verified_report_reverses_its_award(client, world):
    rid = report(client, world.rider).json["id"]
    act(client, world.coordinator, rid, "verify")
    verified_event = outbox_events("report.verified")[0]
    rejected = act(client, world.coordinator, rid, "reject", reason="photo shows another street")
    assert rejected.status_code == 200
    assert rejected.json["status"] == "rejected"
    assert rejected.json["reject_reason"] == "photo shows another street"
    reversals = outbox_events("award.reversed")
    assert len(reversals) == 1
    assert reversals[0]["subject"] == str(world.rider.id)
    assert reversals[0]["data"] == {
        "reverses_event_id": str(verified_event["id"]),
        "member_id": str(world.rider.id),
        "reason": "photo shows another street",
    }
    # rejecting an unverified report reverses nothing
    other = report(client, world.rider, category="road_damage").json["id"]
    act(client, world.coordinator, other, "reject", reason="duplicate of a phone call")
    assert len(outbox_events("award.reversed")) == 1
    assert act(client, world.coordinator, other, "reject", reason="again").status_code == 409


def test_reopened_report_returns_to_the_coordinators_queue(client, world):
    rid = report(client, world.rider).json["id"]
    act(client, world.coordinator, rid, "verify")
    act(client, world.coordinator, rid, "resolve", close_reason="fixed")
    assert act(client, world.member, rid, "reopen", reason="still dark").status_code == 403
    reopened = act(client, world.rider, rid, "reopen", reason="still dark")
    assert reopened.status_code == 200, reopened.json
    assert reopened.json["status"] == "verified"
    assert reopened.json["reopen_reason"] == "still dark"
    assert reopened.json["reopen_count"] == 1
    assert reopened.json["close_reason"] is None
    queue = client.get("/api/v1/reports?status=verified", headers=world.coordinator.headers).json
    assert [r["id"] for r in queue["items"]] == [rid]
    # it does not pay twice: it goes on from verified
    assert act(client, world.coordinator, rid, "verify").status_code == 409
    act(client, world.coordinator, rid, "resolve", close_reason="referred", note="power company")
    confirmed = act(client, world.rider, rid, "confirm")
    assert confirmed.status_code == 200 and confirmed.json["confirmed_at"]
    assert act(client, world.rider, rid, "reopen").status_code == 409
    assert len(outbox_events("report.verified")) == 1


def test_reopen_window_closes_after_seven_days(client, world):
    rid = report(client, world.rider).json["id"]
    act(client, world.coordinator, rid, "verify")
    act(client, world.coordinator, rid, "resolve")
    with engine_for("volunteers").begin() as connection:
        connection.execute(
            sa.text("UPDATE reports SET resolved_at = :t"),
            {"t": datetime.now(UTC) - timedelta(days=8)},
        )
    late = act(client, world.rider, rid, "reopen", reason="still broken")
    assert late.status_code == 409
    assert late.json["type"].endswith("/reopen-window-closed")


def test_scope_and_visibility(client, world):
    rid = report(client, world.rider).json["id"]
    assert act(client, world.outsider, rid, "verify").status_code == 403
    assert act(client, world.member, rid, "verify").status_code == 403
    assert client.get(f"/api/v1/reports/{rid}", headers=world.member.headers).status_code == 403
    own = client.get(f"/api/v1/reports/{rid}", headers=world.rider.headers)
    assert own.status_code == 200
    assert (
        client.get(f"/api/v1/reports/{uuid.uuid4()}", headers=world.rider.headers).status_code
        == 404
    )
    mine = client.get("/api/v1/reports?mine=true", headers=world.rider.headers).json
    assert [r["id"] for r in mine["items"]] == [rid]
    assert client.get("/api/v1/reports", headers=world.member.headers).json["items"] == []
    assert client.get("/api/v1/reports", headers=world.outsider.headers).json["items"] == []
    scoped = client.get("/api/v1/reports", headers=world.coordinator.headers).json
    assert [r["id"] for r in scoped["items"]] == [rid]
    assert scoped["items"][0]["reporter_id"] == str(world.rider.id)


def test_report_outside_every_area_falls_back_to_home_community(client, world):
    far = report(client, world.rider, lat=30.0, lng=120.0).json
    assert far["organization_id"] is None
    client.put(
        "/api/v1/me/profile",
        json={"home_community_id": world.other_community["id"]},
        headers=world.rider.headers,
    )
    homed = report(client, world.rider, lat=30.0, lng=119.0, category="road_damage").json
    assert homed["organization_id"] == world.other_community["id"]
    # an unplaced report waits for an admin to hand it to an organisation
    assert act(client, world.coordinator, far["id"], "verify").status_code == 403
    unassigned = act(client, world.admin, far["id"], "verify")
    assert unassigned.status_code == 409
    assert unassigned.json["type"].endswith("/unassigned-report")
    assign = {"organization_id": world.grid["id"]}
    assert act(client, world.coordinator, far["id"], "assign", **assign).status_code == 403
    assigned = act(client, world.admin, far["id"], "assign", **assign)
    assert assigned.status_code == 200 and assigned.json["organization_id"] == world.grid["id"]
    assert act(client, world.coordinator, far["id"], "verify").status_code == 200
    assert outbox_events("report.verified")[0]["data"]["organization_id"] == world.grid["id"]


def test_coordinators_reassign_within_scope_and_never_verify_their_own(client, world):
    rid = report(client, world.rider).json["id"]
    to_other = {"organization_id": world.other_community["id"]}
    assert act(client, world.coordinator, rid, "assign", **to_other).status_code == 403
    to_grid = act(client, world.coordinator, rid, "assign", organization_id=world.grid["id"])
    assert to_grid.status_code == 200
    # the grid's coordinator now sees and verifies it; the other community's does not
    queue = client.get("/api/v1/reports", headers=world.grid_coordinator.headers).json
    assert [r["id"] for r in queue["items"]] == [rid]
    unknown = act(client, world.admin, rid, "assign", organization_id=str(uuid.uuid4()))
    assert unknown.status_code == 422 and "organization_id" in unknown.json["errors"]

    own = report(client, world.coordinator, category="road_damage").json["id"]
    refused = act(client, world.coordinator, own, "verify")
    assert refused.status_code == 403 and refused.json["type"].endswith("/own-report")
    assert act(client, world.grid_coordinator, own, "verify").status_code == 403  # community's
    assert act(client, world.admin, own, "verify").status_code == 200


def test_duplicate_radius_is_50_m_by_haversine_at_its_edge(client, world):
    # 49.99 m due north (haversine's sphere: 111 195 m a degree) is within 50 m
    original = report(client, world.rider).json
    near = report(client, world.member, lat=LAT + 49.99 / 111_195.08).json
    assert near["duplicate_of"] == original["id"]
    beyond = report(client, world.member, lat=LAT - 50.2 / 111_195.08).json
    assert beyond["duplicate_of"] is None
