"""Every event the volunteers emit fits its contract (suite.events), once per change, written
in the transaction of that change: nothing for a refused request."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date

from suite.events import (
    AwardReversed,
    CheckinRecorded,
    HoursApproved,
    HoursRejected,
    MemberUpdated,
    ReportRejected,
    ReportResolved,
    ReportVerified,
    TaskCompleted,
)
from tests.integration.volunteers.helpers import (
    LAT,
    LNG,
    act,
    check_in,
    contracts_in_outbox,
    current_code,
    log,
    outbox_events,
    report,
    two_hours_ago,
)


def uid(value: str) -> uuid.UUID:
    return uuid.UUID(value)


def decide_hours(client, who, hours_id, decision, **body):
    return client.post(f"/api/v1/hours/{hours_id}/{decision}", json=body, headers=who.headers)


def test_hours_approved_carries_the_work_date_in_the_district(client, world, volunteers_app):
    start = two_hours_ago()
    entry = log(client, world.member, world.grid["id"], start, minutes=90).json
    assert decide_hours(client, world.coordinator, entry["id"], "approve").status_code == 200
    assert decide_hours(client, world.coordinator, entry["id"], "approve").status_code == 409
    district = volunteers_app.config["SETTINGS"].district_timezone
    assert contracts_in_outbox("hours.approved") == [
        HoursApproved(
            hours_id=uid(entry["id"]),
            member_id=world.member.id,
            organization_id=uid(world.grid["id"]),
            minutes=90,
            approved_by=world.coordinator.id,
            work_date=start.astimezone(district).date(),
        )
    ]


def test_hours_rejected_tells_the_member_why_once(client, world):
    entry = log(client, world.member, world.grid["id"], two_hours_ago()).json
    rejected = decide_hours(client, world.coordinator, entry["id"], "reject", reason="no sign-in")
    assert rejected.status_code == 200
    again = decide_hours(client, world.coordinator, entry["id"], "reject", reason="twice")
    assert again.status_code == 409
    assert contracts_in_outbox("hours.rejected") == [
        HoursRejected(
            hours_id=uid(entry["id"]),
            member_id=world.member.id,
            organization_id=uid(world.grid["id"]),
            minutes=120,
            reason="no sign-in",
            rejected_by=world.coordinator.id,
        )
    ]
    assert outbox_events("hours.approved") == []


def test_a_verified_report_rejected_later_is_reversed_and_the_rider_told(client, world):
    rid = report(client, world.rider).json["id"]
    assert act(client, world.coordinator, rid, "verify").status_code == 200
    assert act(client, world.coordinator, rid, "reject", reason="wrong street").status_code == 200
    assert act(client, world.coordinator, rid, "reject", reason="again").status_code == 409
    (verified,) = outbox_events("report.verified")
    assert contracts_in_outbox("report.verified") == [
        ReportVerified(
            report_id=uid(rid),
            member_id=world.rider.id,
            organization_id=uid(world.community["id"]),
            category="broken_street_light",
        )
    ]
    assert contracts_in_outbox("award.reversed") == [
        AwardReversed(
            reverses_event_id=verified["id"], member_id=world.rider.id, reason="wrong street"
        )
    ]
    assert contracts_in_outbox("report.rejected") == [
        ReportRejected(report_id=uid(rid), member_id=world.rider.id, reason="wrong street")
    ]


def test_a_report_rejected_unverified_reverses_nothing(client, world):
    rid = report(client, world.rider).json["id"]
    assert act(client, world.coordinator, rid, "reject", reason="not a hazard").status_code == 200
    assert outbox_events("award.reversed") == []
    assert contracts_in_outbox("report.rejected") == [
        ReportRejected(report_id=uid(rid), member_id=world.rider.id, reason="not a hazard")
    ]


def test_report_resolved_once_with_its_note(client, world):
    rid = report(client, world.rider).json["id"]
    assert act(client, world.coordinator, rid, "verify").status_code == 200
    resolved = act(client, world.coordinator, rid, "resolve", note="lamp replaced")
    assert resolved.status_code == 200
    assert act(client, world.coordinator, rid, "resolve", note="again").status_code == 409
    assert contracts_in_outbox("report.resolved") == [
        ReportResolved(report_id=uid(rid), member_id=world.rider.id, note="lamp replaced")
    ]
    # resolved without a note, the reporter still hears of it
    other = report(client, world.rider, category="road_damage").json["id"]
    assert act(client, world.coordinator, other, "resolve").status_code == 200
    assert contracts_in_outbox("report.resolved")[1] == ReportResolved(
        report_id=uid(other), member_id=world.rider.id, note=""
    )


def test_checkin_recorded_fits_its_contract(client, world, volunteers_app):
    code = current_code(client, world)["code"]
    created = check_in(client, world.member, world.station["id"], code)
    assert created.status_code == 201
    assert check_in(client, world.member, world.station["id"], code).status_code == 409
    assert contracts_in_outbox("checkin.recorded") == [
        CheckinRecorded(
            checkin_id=uid(created.json["id"]),
            member_id=world.member.id,
            station_id=uid(world.station["id"]),
            organization_id=uid(world.community["id"]),  # the station's parent
            day=date.fromisoformat(created.json["day"]),
        )
    ]


def test_task_completed_fits_its_contract(client, world):
    task = client.post(
        "/api/v1/tasks",
        json={"organization_id": world.grid["id"], "kind": "policy_outreach", "title": "Flyers"},
        headers=world.coordinator.headers,
    ).json
    for step, who in (("claim", world.member), ("finish", world.member)):
        assert (
            client.post(
                f"/api/v1/tasks/{task['id']}/{step}", json={}, headers=who.headers
            ).status_code
            == 200
        )
    confirm = f"/api/v1/tasks/{task['id']}/confirm"
    assert client.post(confirm, headers=world.coordinator.headers).status_code == 200
    assert client.post(confirm, headers=world.coordinator.headers).status_code == 409
    assert contracts_in_outbox("task.completed") == [
        TaskCompleted(
            task_id=uid(task["id"]),
            member_id=world.member.id,
            organization_id=uid(world.grid["id"]),
            kind="policy_outreach",
        )
    ]


def put_profile(client, who, **body):
    return client.put("/api/v1/me/profile", json=body, headers=who.headers)


def test_member_updated_only_when_the_name_or_home_community_changes(client, world):
    community = world.community["id"]
    assert put_profile(client, world.member, display_name="Mia Chen").status_code == 200
    assert put_profile(client, world.member, home_community_id=community).status_code == 200
    # the same values again, or only rider details: nothing another service keeps a copy of
    assert put_profile(client, world.member, display_name="Mia Chen").status_code == 200
    rider = {"platform": "Meituan", "rider_id": "R-7"}
    assert put_profile(client, world.member, rider=rider).status_code == 200
    # a refused change (a grid is not a community) changes nothing and says nothing
    refused = put_profile(
        client, world.member, display_name="M", home_community_id=world.grid["id"]
    )
    assert refused.status_code == 422
    assert put_profile(client, world.member, home_community_id=None).status_code == 200
    assert contracts_in_outbox("member.updated") == [
        MemberUpdated(member_id=world.member.id, home_community_id=None, display_name="Mia Chen"),
        MemberUpdated(
            member_id=world.member.id, home_community_id=uid(community), display_name="Mia Chen"
        ),
        MemberUpdated(member_id=world.member.id, home_community_id=None, display_name="Mia Chen"),
    ]


def test_open311_requests_tell_nobody(client, world, volunteers_app, monkeypatch):
    cfg = volunteers_app.extensions["volunteers_config"]
    monkeypatch.setitem(
        volunteers_app.extensions,
        "volunteers_config",
        dataclasses.replace(cfg, open311_api_keys=("city-key",)),
    )
    form = {"api_key": "city-key", "service_code": "road_damage", "lat": LAT, "long": LNG}
    created = client.post("/open311/v2/requests.json", data=form)
    assert created.status_code == 201, created.json
    first = created.json[0]["service_request_id"]
    second = client.post("/open311/v2/requests.json", data={**form, "service_code": "other"})
    assert act(client, world.coordinator, first, "verify").status_code == 200
    assert act(client, world.coordinator, first, "resolve").status_code == 200
    reason = {"reason": "not ours"}
    rid = second.json[0]["service_request_id"]
    assert act(client, world.coordinator, rid, "reject", **reason).status_code == 200
    assert outbox_events() == []
