"""The rewards consumer: standing and notifications from other services' events, each
event applied once, and an event it cannot read parked, not lost."""

from __future__ import annotations

import uuid
from datetime import date

import sqlalchemy as sa

from services.rewards import jobs
from suite.events import (
    HoursApproved,
    HoursRejected,
    MemberUpdated,
    ReportFollowedOutcome,
    ReportRejected,
    ReportResolved,
    ReportVerified,
)
from tests.helpers.databases import engine_for


def _approved(member_id: uuid.UUID, minutes: int) -> dict:
    contract = HoursApproved(
        uuid.uuid4(), member_id, None, minutes, uuid.uuid4(), work_date=date(2026, 11, 20)
    )
    return contract.event(member_id).envelope()


def _run(rewards, envelopes: list[dict]) -> dict[str, int]:
    with rewards.app_context():
        return jobs.process_batch(envelopes)


def test_approved_hours_build_the_standing_once_and_tell_the_member(rewards, client, people):
    member_id, member = people.member()
    first = _approved(member_id, 100 * 60)
    community = uuid.uuid4()
    moved = MemberUpdated(member_id, community, "Li Wei").event(member_id).envelope()
    assert _run(rewards, [first, _approved(member_id, 30), moved])["applied"] == 3
    assert _run(rewards, [first])["duplicates"] == 1
    standing = client.get("/api/v1/me/standing", headers=member).json
    assert standing["lifetime_minutes"] == 100 * 60 + 30
    assert standing["level"] == 1
    assert standing["home_community_id"] == str(community)
    inbox = client.get("/api/v1/me/notifications", headers=member).json
    assert inbox["unread"] == 2
    assert {n["kind"] for n in inbox["items"]} == {"hours.approved"}


def test_rejections_and_reports_reach_the_inbox_with_their_reason(rewards, client, people):
    member_id, member = people.member()
    report = uuid.uuid4()
    envelopes = [
        HoursRejected(uuid.uuid4(), member_id, None, 90, "no sign-in sheet", uuid.uuid4()),
        ReportVerified(report, member_id, None, "fire_lane"),
        ReportRejected(uuid.uuid4(), member_id, "a duplicate of another report"),
        ReportResolved(report, member_id, "the bikes were moved"),
    ]
    _run(rewards, [c.event(member_id).envelope() for c in envelopes])
    english = {**member, "Accept-Language": "en"}
    items = client.get("/api/v1/me/notifications", headers=english).json["items"]
    bodies = {n["kind"]: n["body"] for n in items}
    assert set(bodies) == {
        "hours.rejected",
        "report.verified",
        "report.rejected",
        "report.resolved",
    }
    assert "no sign-in sheet" in bodies["hours.rejected"]
    assert "a duplicate" in bodies["report.rejected"]
    assert "bikes were moved" in bodies["report.resolved"]
    chinese = client.get("/api/v1/me/notifications", headers=member).json["items"]
    assert any("原因" in n["body"] for n in chinese)


def test_mark_read_touches_only_the_callers_own_notices(rewards, client, people):
    member_id, member = people.member()
    other_id, other = people.member()
    _run(rewards, [_approved(member_id, 60), _approved(other_id, 60)])
    mine = client.get("/api/v1/me/notifications", headers=member).json["items"][0]["id"]
    theirs = client.get("/api/v1/me/notifications", headers=other).json["items"][0]["id"]
    answer = client.post(
        "/api/v1/me/notifications/read", json={"ids": [mine, theirs]}, headers=member
    )
    assert answer.json == {"marked": 1, "unread": 0}
    assert client.get("/api/v1/me/notifications", headers=other).json["unread"] == 1
    unread = client.get("/api/v1/me/notifications?unread=true", headers=member).json
    assert unread["items"] == []


def test_unknown_and_malformed_events_are_parked_not_lost(rewards):
    member_id = uuid.uuid4()
    good = _approved(member_id, 60)
    unknown = {**_approved(member_id, 60), "type": "hours.teleported"}
    bad_data = _approved(member_id, 60)
    bad_data["data"]["minutes"] = "sixty"
    not_an_envelope = {"what": "is this"}
    result = _run(rewards, [good, unknown, bad_data, not_an_envelope])
    assert result == {"received": 4, "applied": 1, "duplicates": 0, "parked": 3}
    assert _run(rewards, [unknown, not_an_envelope])["parked"] == 0
    with engine_for("rewards").connect() as connection:
        parked = connection.execute(sa.text("SELECT type, envelope FROM parked_events")).all()
        minutes = connection.execute(sa.text("SELECT lifetime_minutes FROM standings")).scalar()
    assert sorted(row.type for row in parked) == ["?", "hours.approved", "hours.teleported"]
    assert minutes == 60


def test_a_follower_is_told_the_outcome_once_and_a_strange_one_is_parked(rewards, client, people):
    member_id, member = people.member()
    report = uuid.uuid4()
    resolved = ReportFollowedOutcome(report, member_id, "resolved", "new bulb")
    envelope = resolved.event(member_id).envelope()
    assert _run(rewards, [envelope])["applied"] == 1
    assert _run(rewards, [envelope])["duplicates"] == 1
    english = {**member, "Accept-Language": "en"}
    items = client.get("/api/v1/me/notifications", headers=english).json["items"]
    assert [(n["kind"], n["title"]) for n in items] == [
        ("report.followed_outcome", "A hazard you follow was dealt with")
    ]
    assert "new bulb" in items[0]["body"]
    odd = ReportFollowedOutcome(report, member_id, "exploded", "").event(member_id).envelope()
    assert _run(rewards, [odd])["parked"] == 1
