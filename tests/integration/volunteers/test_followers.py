"""Me too: following an open report instead of filing a duplicate, the nearby open reports
a rider may follow, and each follower told the outcome once (earning nothing)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from common.jobs import json_queue
from common.outbox import OutboxRelay
from services.rewards import jobs as rewards_jobs
from services.volunteers.adapters.models import plumbing
from tests.integration.volunteers.helpers import (
    LAT,
    LNG,
    act,
    contracts_in_outbox,
    engine_for,
    outbox_events,
    report,
    run_together,
)

NORTH_M = 1 / 111_320  # a metre north, in degrees of latitude


def _follow(client, who, report_id, method="post"):
    call = client.post if method == "post" else client.delete
    return call(f"/api/v1/reports/{report_id}/follow", headers=who.headers)


def _nearby(client, who, category="broken_street_light", lat=LAT):
    query = {"lat": lat, "lng": LNG, "category": category}
    return client.get("/api/v1/reports/nearby", query_string=query, headers=who.headers)


def test_follow_twice_is_one_follower_and_unfollow_ends_it(client, world):
    filed = report(client, world.rider).json
    first = _follow(client, world.member, filed["id"])
    assert first.status_code == 200, first.json
    assert first.json == {"report_id": filed["id"], "following": True, "followers": 1}
    again = _follow(client, world.member, filed["id"])
    assert again.status_code == 200 and again.json == first.json
    assert _follow(client, world.coordinator, filed["id"]).json["followers"] == 2

    mine = client.get(f"/api/v1/reports/{filed['id']}", headers=world.rider.headers).json
    assert mine["followers"] == 2
    listed = client.get("/api/v1/reports", headers=world.rider.headers).json["items"]
    assert [r["followers"] for r in listed] == [2]

    stopped = _follow(client, world.member, filed["id"], "delete")
    assert stopped.status_code == 200
    assert stopped.json == {"report_id": filed["id"], "following": False, "followers": 1}
    assert _follow(client, world.member, filed["id"], "delete").json["followers"] == 1
    # following earns nothing and tells nobody anything yet
    assert outbox_events("report.followed_outcome") == []


def test_the_reporter_cannot_follow_and_a_closed_report_cannot_be_followed(client, world):
    filed = report(client, world.rider).json
    own = _follow(client, world.rider, filed["id"])
    assert own.status_code == 403 and own.json["type"].endswith("/own-report")
    assert (
        act(client, world.coordinator, filed["id"], "reject", reason="no lamp").status_code == 200
    )
    closed = _follow(client, world.member, filed["id"])
    assert closed.status_code == 409 and closed.json["type"].endswith("/wrong-state")
    missing = _follow(client, world.member, uuid.uuid4())
    assert missing.status_code == 404
    assert _follow(client, world.member, "not-a-uuid").status_code == 404


def test_the_report_shows_a_count_and_nothing_of_who_follows(client, world):
    filed = report(client, world.rider).json
    _follow(client, world.member, filed["id"])
    for who in (world.rider, world.coordinator):
        body = client.get(f"/api/v1/reports/{filed['id']}", headers=who.headers).json
        assert body["followers"] == 1
        assert str(world.member.id) not in str(body)


def test_nearby_lists_open_reports_of_the_category_within_50_m(client, world):
    near = report(client, world.rider, lat=LAT + 30 * NORTH_M).json
    far = report(client, world.rider, lat=LAT + 80 * NORTH_M).json
    other_kind = report(client, world.rider, category="road_damage").json
    closed = report(client, world.coordinator, lat=LAT - 20 * NORTH_M).json
    act(client, world.admin, closed["id"], "resolve", note="fixed")
    _follow(client, world.member, near["id"])

    found = _nearby(client, world.member)
    assert found.status_code == 200, found.json
    items = found.json["items"]
    assert [i["id"] for i in items] == [near["id"]]
    assert items[0]["distance_m"] == 30 and items[0]["following"] is True
    assert items[0]["mine"] is False and items[0]["followers"] == 1
    assert "reporter_id" not in items[0] and "description" not in items[0]
    assert far["id"] and other_kind["id"]
    assert [i["mine"] for i in _nearby(client, world.rider).json["items"]] == [True]
    assert (
        _nearby(client, world.member, category="road_damage").json["items"][0]["id"]
        == (other_kind["id"])
    )


def test_nearby_refuses_bad_input(client, world):
    bad = client.get(
        "/api/v1/reports/nearby", query_string={"lat": 100, "lng": LNG}, headers=world.rider.headers
    )
    assert bad.status_code == 422
    assert {"lat", "category"} <= set(bad.json["errors"])
    assert _nearby(client, world.rider, category="dragons").status_code == 422


def test_each_follower_is_told_each_outcome_once(client, world):
    filed = report(client, world.rider).json
    _follow(client, world.member, filed["id"])
    _follow(client, world.grid_coordinator, filed["id"])
    _follow(client, world.outsider, filed["id"])
    _follow(client, world.outsider, filed["id"], "delete")

    act(client, world.coordinator, filed["id"], "verify")
    act(client, world.coordinator, filed["id"], "resolve", note="new bulb")
    told = contracts_in_outbox("report.followed_outcome")
    assert sorted((c.member_id, c.outcome) for c in told) == sorted(
        [
            (world.member.id, "verified"),
            (world.grid_coordinator.id, "verified"),
            (world.member.id, "resolved"),
            (world.grid_coordinator.id, "resolved"),
        ]
    )
    assert {c.note for c in told if c.outcome == "resolved"} == {"new bulb"}
    # the reporter alone is paid
    assert [c.member_id for c in contracts_in_outbox("report.verified")] == [world.rider.id]


def test_followers_of_a_rejected_report_hear_the_reason(client, world):
    filed = report(client, world.rider).json
    _follow(client, world.member, filed["id"])
    act(client, world.coordinator, filed["id"], "reject", reason="no lamp there")
    told = contracts_in_outbox("report.followed_outcome")
    assert [(c.member_id, c.outcome, c.note) for c in told] == [
        (world.member.id, "rejected", "no lamp there")
    ]


def test_a_follow_racing_the_resolution_is_told_or_refused_never_lost(
    client, volunteers_app, world, person
):
    """Followers and the decision take the report's lock: each follower who got in hears
    the outcome; the ones who came after are refused with 409."""
    filed = report(client, world.rider).json
    neighbours = [person(roles=["rider"], username=f"n{i}") for i in range(4)]

    def following(who):
        def run():
            with volunteers_app.test_client() as c:
                return _follow(c, who, filed["id"])

        return run

    def resolving():
        with volunteers_app.test_client() as c:
            return act(c, world.coordinator, filed["id"], "resolve", note="done")

    *follows, resolved = run_together(*(following(n) for n in neighbours), resolving)
    assert resolved.status_code == 200
    assert {f.status_code for f in follows} <= {200, 409}
    followed = {n.id for n, f in zip(neighbours, follows, strict=True) if f.status_code == 200}
    told = contracts_in_outbox("report.followed_outcome")
    assert sorted(c.member_id for c in told) == sorted(followed)
    assert all(c.outcome == "resolved" for c in told)


def test_the_outcome_reaches_each_follower_through_the_relay_and_rewards_once(
    client, world, redis_client, rewards_app
):
    filed = report(client, world.rider).json
    for follower in (world.member, world.grid_coordinator):
        _follow(client, follower, filed["id"])
    act(client, world.coordinator, filed["id"], "resolve", note="new bulb")
    OutboxRelay(engine_for("volunteers"), plumbing.outbox, redis_client).drain()

    def envelopes(queue_name):
        queue = json_queue(queue_name, redis_client)
        return [e for job in queue.get_jobs() for e in job.args[0]]

    told = [e for e in envelopes("rewards") if e["type"] == "report.followed_outcome"]
    assert sorted(e["subject"] for e in told) == sorted(
        [str(world.member.id), str(world.grid_coordinator.id)]
    )
    # followers earn nothing: the points service never hears of them
    assert all(e["type"] != "report.followed_outcome" for e in envelopes("points"))
    with rewards_app.app_context():
        assert rewards_jobs.process_batch(told)["applied"] == 2
        assert rewards_jobs.process_batch(told)["duplicates"] == 2
    with engine_for("rewards").connect() as connection:
        rows = connection.execute(
            sa.text("SELECT member_id FROM notifications WHERE kind = 'report.followed_outcome'")
        ).scalars()
        assert sorted(str(m) for m in rows) == sorted(e["subject"] for e in told)
