"""The shared plumbing against real PostgreSQL and Redis: outbox relay, idempotency, limits."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed

import pytest
import sqlalchemy as sa
from flask import current_app, jsonify
from flask_smorest import Blueprint
from redis import Redis

from common.app import build_app, session
from common.events import Event
from common.jobs import json_queue
from common.outbox import OutboxRelay, emit
from common.ratelimit import Limit, RateLimiter
from common.scheduler import PeriodicJob, tick
from services.rewards.adapters.models import plumbing
from tests.helpers.databases import engine_for


@pytest.fixture
def engine():
    return engine_for("rewards")


def test_relay_moves_events_in_order_and_marks_them_sent(engine, redis_client):
    events = [Event.new("hours.approved", uuid.uuid4(), {"minutes": n}) for n in range(5)]
    with engine.begin() as connection:
        for event in events:
            emit(connection, plumbing.outbox, event)
    relay = OutboxRelay(engine, plumbing.outbox, redis_client, batch_size=3)
    assert relay.drain() == 5
    jobs = json_queue("points", redis_client).get_jobs()
    delivered = [envelope for job in jobs for envelope in job.args[0]]
    assert [e["id"] for e in delivered] == [str(e.id) for e in events]
    assert all(job.func_name == "services.points.jobs.handle_events" for job in jobs)
    with engine.connect() as connection:
        unsent = connection.execute(
            sa.select(sa.func.count()).where(plumbing.outbox.c.sent_at.is_(None))
        ).scalar_one()
    assert unsent == 0
    assert relay.relay_once() == 0


def test_relay_keeps_events_when_redis_is_down(engine):
    event = Event.new("report.verified", uuid.uuid4(), {})
    with engine.begin() as connection:
        emit(connection, plumbing.outbox, event)
    dead = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    with pytest.raises(Exception):  # noqa: B017 - any connection error will do
        OutboxRelay(engine, plumbing.outbox, dead).relay_once()
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(plumbing.outbox.c.sent_at).where(plumbing.outbox.c.id == event.id)
        ).one()
    assert row.sent_at is None


def test_two_relays_at_once_send_each_event_once(engine, redis_client):
    with engine.begin() as connection:
        for n in range(200):
            emit(connection, plumbing.outbox, Event.new("task.completed", uuid.uuid4(), {"n": n}))
    relays = [OutboxRelay(engine, plumbing.outbox, redis_client, batch_size=20) for _ in range(2)]
    with ThreadPoolExecutor(2) as pool:
        moved = list(pool.map(lambda relay: relay.drain(), relays))
    assert sum(moved) == 200
    jobs = json_queue("points", redis_client).get_jobs()
    ids = [envelope["id"] for job in jobs for envelope in job.args[0]]
    assert len(ids) == len(set(ids)) == 200


def test_a_failed_delivery_is_retried_not_dropped(engine, redis_client):
    from rq.job import JobStatus
    from rq.worker import SimpleWorker

    with engine.begin() as connection:
        emit(connection, plumbing.outbox, Event.new("probe.happened", uuid.uuid4(), {}))
    relay = OutboxRelay(
        engine,
        plumbing.outbox,
        redis_client,
        routes={"probe.happened": ("probe",)},
        consumers={"probe": "tests.helpers.consumers.always_fails"},
    )
    assert relay.drain() == 1
    queue = json_queue("probe", redis_client)
    (job,) = queue.get_jobs()
    SimpleWorker([queue], connection=redis_client, serializer=queue.serializer).work(burst=True)
    job.refresh()
    # the outbox row is marked sent, so the job must come back by itself
    assert job.get_status() == JobStatus.SCHEDULED
    assert job.retries_left == 29


@pytest.fixture(scope="module")
def idempotent_app():
    from common.idempotency import idempotent

    blp = Blueprint("probe", __name__, url_prefix="/api/v1/probe")

    @blp.route("/events", methods=["POST"])
    @idempotent(lambda: plumbing.idempotency_keys, session)
    def make_event():
        """Emit an event; hold the key until the test releases it (so that retries overlap)"""
        event = emit(session(), plumbing.outbox, Event.new("task.completed", uuid.uuid4(), {}))
        release = current_app.config.get("PROBE_RELEASE")
        if release is not None:
            assert release.wait(30), "the test never released the first request"
        return jsonify(id=str(event.id)), 201

    app = build_app("rewards", __name__, {"TESTING": True}, api_blueprints=[blp])
    yield app
    app.extensions["database"].engine.dispose()


def _outbox_count(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(plumbing.outbox)).scalar()


def test_idempotency_key_required_and_replayed(idempotent_app, auth_header, engine):
    client = idempotent_app.test_client()
    headers = auth_header()
    assert client.post("/api/v1/probe/events", json={}, headers=headers).status_code == 400
    keyed = {**headers, "Idempotency-Key": "k-1"}
    first = client.post("/api/v1/probe/events", json={"a": 1}, headers=keyed)
    again = client.post("/api/v1/probe/events", json={"a": 1}, headers=keyed)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    other_body = client.post("/api/v1/probe/events", json={"a": 2}, headers=keyed)
    assert other_body.status_code == 422
    assert _outbox_count(engine) == 1


def test_same_key_from_ten_threads_acts_once(idempotent_app, make_token, engine):
    user = uuid.uuid4()
    headers = {
        "Authorization": f"Bearer {make_token(user_id=user)}",
        "Idempotency-Key": str(uuid.uuid4()),
    }
    barrier = threading.Barrier(10)
    release = threading.Event()

    def call(_: int):
        client = idempotent_app.test_client()
        barrier.wait()
        return client.post("/api/v1/probe/events", json={"x": 1}, headers=headers)

    # the first request to take the key holds it until the nine others have answered
    idempotent_app.config["PROBE_RELEASE"] = release
    try:
        with ThreadPoolExecutor(10) as pool:
            futures = [pool.submit(call, n) for n in range(10)]
            answers = []
            for future in as_completed(futures):
                answers.append(future.result())
                if len(answers) == 9:
                    release.set()
    finally:
        release.set()
        idempotent_app.config["PROBE_RELEASE"] = None
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [409] * 9
    assert all(a.headers["Retry-After"] == "1" for a in answers if a.status_code == 409)
    assert _outbox_count(engine) == 1
    replay = idempotent_app.test_client().post(
        "/api/v1/probe/events", json={"x": 1}, headers=headers
    )
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"


def test_keys_are_per_caller(idempotent_app, auth_header, engine):
    client = idempotent_app.test_client()
    for _ in range(2):
        headers = {**auth_header(), "Idempotency-Key": "shared-key"}
        assert client.post("/api/v1/probe/events", json={}, headers=headers).status_code == 201
    assert _outbox_count(engine) == 2


def test_rate_limiter_counts_per_subject(redis_client):
    limiter = RateLimiter(redis_client)
    limit = Limit("probe", 3, 60)
    for _ in range(3):
        assert limiter.retry_after(limit, "a") == 0
        limiter.record(limit, "a")
    assert 0 < limiter.retry_after(limit, "a") <= 60
    assert limiter.retry_after(limit, "b") == 0
    limiter.reset(limit, "a")
    assert limiter.retry_after(limit, "a") == 0


def test_scheduler_enqueues_each_slot_once(redis_client):
    jobs = [PeriodicJob("services.points.jobs.noop", "points", 60)]
    now = 1_000_020.0
    assert tick(redis_client, jobs, now) == ["services.points.jobs.noop"]
    # a second scheduler in the same slot does nothing
    assert tick(redis_client, jobs, now + 1) == []
    assert tick(redis_client, jobs, now + 60) == ["services.points.jobs.noop"]
    assert json_queue("points", redis_client).count == 2


def test_settings_fail_fast_without_required_values(monkeypatch, tmp_path):
    from common.settings import ConfigurationError, Settings

    monkeypatch.setattr("common.settings.RUNTIME_ENV_FILE", tmp_path / "absent.env")
    monkeypatch.delenv("DATABASE_URL")
    with pytest.raises(ConfigurationError, match="DATABASE_URL"):
        Settings.from_env("points")
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/postgres")
    monkeypatch.delenv("REDIS_URL")
    with pytest.raises(ConfigurationError, match="REDIS_URL"):
        Settings.from_env("points")
    monkeypatch.setenv("REDIS_URL", "redis://cache/0")
    monkeypatch.delenv("JWT_PUBLIC_KEY_FILE")
    with pytest.raises(ConfigurationError, match="JWT_PUBLIC_KEY"):
        Settings.from_env("points")


def test_purge_forgets_only_rows_delivered_long_ago(engine):
    from common.outbox import purge_sent

    events = [Event.new("task.completed", uuid.uuid4(), {}) for _ in range(3)]
    with engine.begin() as connection:
        for event in events:
            emit(connection, plumbing.outbox, event)
        outbox = plumbing.outbox
        connection.execute(
            sa.update(outbox)
            .where(outbox.c.id == events[0].id)
            .values(sent_at=sa.func.now() - sa.text("interval '8 days'"))
        )
        connection.execute(
            sa.update(outbox).where(outbox.c.id == events[1].id).values(sent_at=sa.func.now())
        )
    assert purge_sent("rewards") == 1
    with engine.connect() as connection:
        left = set(connection.execute(sa.select(plumbing.outbox.c.id)).scalars())
    assert left == {events[1].id, events[2].id}


def test_scheduler_collects_the_outbox_purge_of_every_service(redis_client):
    from common.scheduler import collect_jobs

    purges = [job for job in collect_jobs() if job.func == "common.outbox.purge_sent"]
    assert {job.args for job in purges} == {
        ("gateway",),
        ("points",),
        ("volunteers",),
        ("rewards",),
    }
    assert tick(redis_client, purges, 7200.0) == [job.name for job in purges]
    (job,) = json_queue("rewards", redis_client).get_jobs()
    assert job.func_name == "common.outbox.purge_sent" and job.args == ["rewards"]


def test_points_refuses_to_start_without_the_internal_token(monkeypatch, tmp_path):
    from common.settings import ConfigurationError
    from services.points import create_app

    monkeypatch.setattr("common.settings.RUNTIME_ENV_FILE", tmp_path / "absent.env")
    monkeypatch.delenv("INTERNAL_API_TOKEN")
    with pytest.raises(ConfigurationError, match="INTERNAL_API_TOKEN"):
        create_app({"TESTING": True})
