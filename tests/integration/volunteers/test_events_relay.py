"""The volunteers' events leave through the outbox relay to the points queue, in order,
and wait in the outbox while Redis is away."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from common.events import Event
from common.jobs import json_queue
from common.outbox import OutboxRelay
from services.volunteers.adapters.models import plumbing
from tests.integration.volunteers.helpers import (
    act,
    check_in,
    current_code,
    engine_for,
    log,
    report,
)


def unsent() -> int:
    with engine_for("volunteers").connect() as connection:
        return connection.execute(
            sa.text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
        ).scalar_one()


def every_kind_of_event(client, world) -> None:
    start = datetime.now(UTC) - timedelta(hours=3)
    hours = log(client, world.member, world.grid["id"], start).json
    assert (
        client.post(
            f"/api/v1/hours/{hours['id']}/approve", headers=world.coordinator.headers
        ).status_code
        == 200
    )
    rid = report(client, world.rider).json["id"]
    assert act(client, world.coordinator, rid, "verify").status_code == 200
    code = current_code(client, world)["code"]
    assert check_in(client, world.member, world.station["id"], code).status_code == 201
    task = client.post(
        "/api/v1/tasks",
        json={"organization_id": world.grid["id"], "kind": "policy_outreach", "title": "Leaflets"},
        headers=world.coordinator.headers,
    ).json
    client.post(f"/api/v1/tasks/{task['id']}/claim", headers=world.member.headers)
    client.post(f"/api/v1/tasks/{task['id']}/finish", json={}, headers=world.member.headers)
    # not the coordinator who just approved the member's hours (403 related-claimer)
    assert (
        client.post(
            f"/api/v1/tasks/{task['id']}/confirm", headers=world.grid_coordinator.headers
        ).status_code
        == 200
    )
    assert act(client, world.coordinator, rid, "reject", reason="wrong street").status_code == 200


# the five events that pay (or claw back), and report.rejected, which pays nothing: it tells
# the reporter (a consumer of it, the rewards service, is routed in the suite manifest)
EVENTS = 6


def test_events_reach_the_points_queue_in_order(client, world, redis_client):
    every_kind_of_event(client, world)
    relay = OutboxRelay(engine_for("volunteers"), plumbing.outbox, redis_client)
    assert relay.drain() == EVENTS
    assert unsent() == 0
    queue = json_queue("points", redis_client)
    envelopes = [envelope for job in queue.get_jobs() for envelope in job.args[0]]
    assert [e["type"] for e in envelopes] == [
        "hours.approved",
        "report.verified",
        "checkin.recorded",
        "task.completed",
        "award.reversed",
    ]
    for envelope in envelopes:
        event = Event.from_envelope(envelope)  # the envelope round-trips
        assert event.subject == envelope["data"]["member_id"]
    assert envelopes[4]["data"]["reverses_event_id"] == envelopes[1]["id"]


def test_with_redis_away_the_events_wait_in_the_outbox(
    client, world, redis_client, volunteers_app, monkeypatch
):
    dead = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    monkeypatch.setitem(volunteers_app.extensions, "redis", dead)
    every_kind_of_event(client, world)  # the API itself never needs Redis
    with pytest.raises(RedisConnectionError):
        OutboxRelay(engine_for("volunteers"), plumbing.outbox, dead).relay_once()
    assert unsent() == EVENTS
    assert OutboxRelay(engine_for("volunteers"), plumbing.outbox, redis_client).drain() == EVENTS
    assert unsent() == 0
