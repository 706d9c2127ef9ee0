"""Flags raised for an admin's review: one approver paying the same member repeatedly,
bursts of hours or reports, and a report re-filed where one was lately resolved (whose
points wait for the review)."""

from __future__ import annotations

from datetime import timedelta

from tests.integration.volunteers.helpers import (
    LAT,
    LNG,
    act,
    flags,
    log,
    outbox_events,
    report,
    two_hours_ago,
    with_flag_limits,
)


def test_one_approver_paying_the_same_member_repeatedly_is_flagged(
    client, world, volunteers_app, monkeypatch
):
    with_flag_limits(volunteers_app, monkeypatch, approvals_per_week=2)
    start = two_hours_ago()
    for day in range(3):
        entry = log(client, world.member, world.grid["id"], start - timedelta(days=day), 60)
        assert entry.status_code == 201, entry.json
        approved = client.post(
            f"/api/v1/hours/{entry.json['id']}/approve", headers=world.coordinator.headers
        )
        assert approved.status_code == 200
        if day < 2:
            assert flags(client, world, kind="repeated-approver") == []
    [flag] = flags(client, world, kind="repeated-approver")
    assert flag["member_id"] == str(world.member.id)
    assert flag["details"]["approver_id"] == str(world.coordinator.id)
    assert flag["details"]["approvals"] == 3


def test_bursts_of_hours_and_of_reports_are_flagged(client, world, volunteers_app, monkeypatch):
    with_flag_limits(volunteers_app, monkeypatch, hours_entries_per_day=2, reports_per_day=2)
    start = two_hours_ago()
    for i in range(3):
        entry = log(client, world.member, world.grid["id"], start - timedelta(hours=2 * i), 60)
        assert entry.status_code == 201
    [hours] = flags(client, world, kind="hours-burst")
    assert hours["member_id"] == str(world.member.id) and hours["details"]["entries"] == 3
    for i, category in enumerate(("road_damage", "other", "blocked_fire_lane")):
        assert report(client, world.rider, category, lat=LAT + i * 0.01).status_code == 201
    [reports] = flags(client, world, kind="reports-burst")
    assert reports["member_id"] == str(world.rider.id) and reports["details"]["reports"] == 3


def resolved_report(client, world):
    first = report(client, world.rider).json
    assert act(client, world.coordinator, first["id"], "verify").status_code == 200
    assert act(client, world.coordinator, first["id"], "resolve", note="fixed").status_code == 200
    return first


def test_a_report_refiled_where_one_was_resolved_waits_for_review_to_pay(client, world):
    first = resolved_report(client, world)
    again = report(client, world.member, lat=LAT + 0.0001, lng=LNG)  # about 11 m away
    assert again.status_code == 201
    assert again.json["duplicate_of"] is None  # the first is closed: not a duplicate
    [flag] = flags(client, world, kind="report-refiled")
    assert flag["member_id"] == str(world.member.id)
    assert flag["details"] == {"report_id": again.json["id"], "resolved_report_id": first["id"]}
    verified = act(client, world.coordinator, again.json["id"], "verify")
    assert verified.status_code == 200 and verified.json["status"] == "verified"
    paid = [e["data"]["report_id"] for e in outbox_events("report.verified")]
    assert paid == [first["id"]]  # the re-filed one waits
    released = client.post(
        f"/api/v1/flags/{flag['id']}/review",
        json={"note": "the lamp broke again", "release": True},
        headers=world.admin.headers,
    )
    assert released.status_code == 200 and released.json["released"] is True
    paid = [e["data"]["report_id"] for e in outbox_events("report.verified")]
    assert paid == [first["id"], again.json["id"]]


def test_a_refiled_report_reviewed_without_release_never_pays(client, world):
    resolved_report(client, world)
    again = report(client, world.member).json
    [flag] = flags(client, world, kind="report-refiled")
    reviewed = client.post(
        f"/api/v1/flags/{flag['id']}/review",
        json={"note": "same lamp"},
        headers=world.admin.headers,
    )
    assert reviewed.status_code == 200 and reviewed.json["released"] is False
    assert act(client, world.coordinator, again["id"], "verify").status_code == 200
    assert len(outbox_events("report.verified")) == 1  # the first report's only


def test_a_refile_released_before_verification_pays_at_verification(client, world):
    resolved_report(client, world)
    again = report(client, world.member).json
    [flag] = flags(client, world, kind="report-refiled")
    client.post(
        f"/api/v1/flags/{flag['id']}/review", json={"release": True}, headers=world.admin.headers
    )
    assert len(outbox_events("report.verified")) == 1  # nothing to pay yet
    assert act(client, world.coordinator, again["id"], "verify").status_code == 200
    assert [e["data"]["report_id"] for e in outbox_events("report.verified")][-1] == again["id"]
