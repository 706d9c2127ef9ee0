"""Concurrency against real PostgreSQL: real threads and real worker processes."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from redis import Redis
from rq.job import Job
from rq.serializers import JSONSerializer

from common.jobs import json_queue
from tests.helpers.parallel import in_parallel
from tests.helpers.points_db import points_engine
from tests.helpers.points_events import envelope

HOLDS = "/internal/v1/points/holds"


def count(sql: str, **params: Any) -> int:
    with points_engine().connect() as c:
        return int(c.execute(sa.text(sql), params).scalar_one())


def test_forty_parallel_awards_all_land(set_rule, run_batch, balance_of, reconciled):
    """Each batch pays a shared member and one of its own: the shared account is hot, the
    batches lock two accounts each, and the issuance shards are hit by all of them."""
    set_rule("task.completed", 10, daily_cap=10_000)
    shared = uuid.uuid4()
    own = [uuid.uuid4() for _ in range(40)]
    results = in_parallel(
        40,
        lambda i: run_batch(
            [envelope("task.completed", own[i]), envelope("task.completed", shared)]
        ),
    )
    assert all(r["paid"] == 2 for r in results)
    shared_balance = balance_of(shared)
    assert shared_balance["available"] == 400 and shared_balance["lifetime_earned"] == 400
    assert all(balance_of(m)["available"] == 10 for m in own)
    seqs = count("SELECT max(seq) FROM transfers WHERE member_id = :m", m=shared)
    assert seqs == 40
    assert reconciled()["ok"]


def test_twenty_parallel_spends_of_thirty_from_three_hundred(
    points_app, client, admin, service_header, balance_of, reconciled
):
    member = uuid.uuid4()
    granted = client.post(
        "/api/v1/points/adjustments",
        json={"member_id": str(member), "amount": 300, "reason": "grant"},
        headers={**admin, "Idempotency-Key": "grant"},
    )
    assert granted.status_code == 201

    def spend(i: int) -> int:
        response = points_app.test_client().post(
            HOLDS,
            json={"member_id": str(member), "amount": 30, "reference": f"redemption:{i}"},
            headers={**service_header, "Idempotency-Key": f"spend-{i}"},
        )
        if response.status_code == 409:
            assert response.json["type"].endswith("insufficient-points")
        return response.status_code

    statuses = Counter(in_parallel(20, spend))
    assert statuses == {201: 10, 409: 10}
    balance = balance_of(member)
    assert (balance["available"], balance["held"]) == (0, 300)
    assert reconciled()["ok"]


def test_the_same_idempotency_key_from_ten_threads_makes_one_transfer(
    points_app, admin, balance_of, reconciled
):
    member = uuid.uuid4()
    body = {"member_id": str(member), "amount": 25, "reason": "bonus"}

    def send(_: int) -> tuple[int, Any]:
        response = points_app.test_client().post(
            "/api/v1/points/adjustments", json=body, headers={**admin, "Idempotency-Key": "same"}
        )
        return response.status_code, response.json

    answers = in_parallel(10, send)
    assert {status for status, _ in answers} <= {201, 409}
    created = [json for status, json in answers if status == 201]
    assert created and all(j == created[0] for j in created)
    assert all(
        json["type"].endswith("idempotency-key-in-flight")
        for status, json in answers
        if status == 409
    )
    assert count("SELECT count(*) FROM transfers WHERE member_id = :m", m=member) == 1
    assert balance_of(member)["available"] == 25
    assert reconciled()["ok"]


def test_the_same_hold_key_from_ten_threads_makes_one_hold(
    points_app, client, admin, service_header, balance_of
):
    member = uuid.uuid4()
    client.post(
        "/api/v1/points/adjustments",
        json={"member_id": str(member), "amount": 100, "reason": "grant"},
        headers={**admin, "Idempotency-Key": "grant"},
    )
    body = {"member_id": str(member), "amount": 40, "reference": "redemption:9", "ttl_seconds": 60}

    def send(_: int) -> tuple[int, Any]:
        response = points_app.test_client().post(
            HOLDS, json=body, headers={**service_header, "Idempotency-Key": "hold-9"}
        )
        return response.status_code, response.json

    answers = in_parallel(10, send)
    assert {status for status, _ in answers} <= {201, 409}
    assert len({json["hold"]["id"] for status, json in answers if status == 201}) == 1
    assert count("SELECT count(*) FROM holds") == 1
    assert balance_of(member)["held"] == 40


def test_two_workers_handed_the_same_events_pay_once(set_rule, run_batch, balance_of, reconciled):
    set_rule("report.verified", 20)
    members = [uuid.uuid4() for _ in range(25)]
    batch = [envelope("report.verified", m) for m in members for _ in range(2)]
    results = in_parallel(2, lambda i: run_batch(list(reversed(batch)) if i else batch))
    assert sum(r["paid"] for r in results) == 50
    assert sum(r["duplicates"] for r in results) == 50
    assert all(balance_of(m)["available"] == 40 for m in members)
    assert reconciled()["ok"]


_WORKER = """
import os, signal, sys
from redis import Redis
from rq.serializers import JSONSerializer
from rq.worker import SimpleWorker
from common.jobs import json_queue

class DiesBeforeAck(SimpleWorker):
    # the job returned (its transaction committed); the worker dies before acknowledging it
    def handle_job_success(self, job, queue, started_job_registry):
        os.kill(os.getpid(), signal.SIGKILL)

redis = Redis.from_url(os.environ["REDIS_URL"])
worker_class = DiesBeforeAck if sys.argv[1] == "die" else SimpleWorker
worker = worker_class([json_queue("points", redis)], connection=redis, serializer=JSONSerializer)
worker.work(burst=True)
"""


def _worker(mode: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _WORKER, mode],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
    )


def test_a_worker_killed_after_commit_before_ack_pays_once_on_redelivery(
    set_rule, balance_of, reconciled
):
    set_rule("hours.approved", 10, "hour")
    redis = Redis.from_url(os.environ["REDIS_URL"])
    queue = json_queue("points", redis)
    member = uuid.uuid4()
    job = queue.enqueue(
        "services.points.jobs.handle_events",
        [envelope("hours.approved", member, {"minutes": 120})],
    )
    died = _worker("die")
    assert died.returncode == -9, died.stderr
    assert balance_of(member)["available"] == 20  # committed before the kill
    assert Job.fetch(job.id, connection=redis, serializer=JSONSerializer).get_status() == "started"
    # redelivery: the job goes back on the queue, as RQ does with an abandoned job
    queue.enqueue_job(Job.fetch(job.id, connection=redis, serializer=JSONSerializer))
    survived = _worker("normal")
    assert survived.returncode == 0, survived.stderr
    finished = Job.fetch(job.id, connection=redis, serializer=JSONSerializer)
    assert finished.get_status() == "finished"
    assert finished.return_value()["duplicates"] == 1
    assert balance_of(member)["available"] == 20
    assert reconciled()["ok"]


def test_two_worker_processes_given_the_same_job_twice_pay_once(set_rule, balance_of):
    set_rule("task.completed", 15)
    redis = Redis.from_url(os.environ["REDIS_URL"])
    queue = json_queue("points", redis)
    members = [uuid.uuid4() for _ in range(30)]
    batch = [envelope("task.completed", m) for m in members]
    queue.enqueue("services.points.jobs.handle_events", batch)
    queue.enqueue("services.points.jobs.handle_events", batch)
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, "normal"],
            env={**os.environ, "LOG_LEVEL": "WARNING"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for w in workers:
        _, err = w.communicate(timeout=120)
        assert w.returncode == 0, err
    assert all(balance_of(m)["available"] == 15 for m in members)


def test_every_kind_of_write_at_once_keeps_the_ledger_whole(
    points_app, set_rule, run_batch, admin, service_header, reconciled
):
    """Awards in batches, reversals, adjustments, holds, captures, releases and the expiry
    jobs, from many threads on a few shared accounts: no deadlock, no error, and reconcile
    finds the ledger whole (sums, replays, chains, lots, holds)."""
    import random

    from services.points import jobs
    from services.points.usecases import clock

    set_rule("task.completed", 7)
    members = [uuid.uuid4() for _ in range(4)]
    paid: list[dict[str, Any]] = []
    lock = threading.Lock()

    def work(i: int) -> None:
        rng = random.Random(i)
        client = points_app.test_client()
        for step in range(12):
            choice = rng.randrange(6)
            member = rng.choice(members)
            if choice == 0:
                batch = [envelope("task.completed", m) for m in rng.sample(members, 3)]
                run_batch(batch)
                with lock:
                    paid.extend(batch)
            elif choice == 1 and paid:
                with lock:
                    target = rng.choice(paid)
                run_batch(
                    [
                        envelope(
                            "award.reversed",
                            uuid.UUID(target["subject"]),
                            {"reverses_event_id": target["id"]},
                        )
                    ]
                )
            elif choice == 2:
                response = client.post(
                    "/api/v1/points/adjustments",
                    json={
                        "member_id": str(member),
                        "amount": rng.choice([-9, 5, 20]),
                        "reason": "chaos",
                    },
                    headers={**admin, "Idempotency-Key": f"chaos-{i}-{step}"},
                )
                assert response.status_code in (201, 409), response.json
            elif choice == 3:
                response = client.post(
                    HOLDS,
                    json={
                        "member_id": str(member),
                        "amount": rng.randint(1, 15),
                        "reference": "chaos",
                        "ttl_seconds": rng.choice([1, 600]),
                    },
                    headers={**service_header, "Idempotency-Key": f"chaos-hold-{i}-{step}"},
                )
                assert response.status_code in (201, 409), response.json
                if response.status_code == 201 and rng.random() < 0.7:
                    action = rng.choice(["capture", "release"])
                    hold_id = response.json["hold"]["id"]
                    ended = client.post(f"{HOLDS}/{hold_id}/{action}", headers=service_header)
                    assert ended.status_code in (200, 409), ended.json
            elif choice == 4:
                with points_app.app_context():
                    jobs.expire_holds.__wrapped__()
            else:
                with points_app.app_context():
                    jobs.expire_lots.__wrapped__()

    in_parallel(8, work)
    # the one-second holds have run out two seconds on: the clock moves, not the test's time
    later = datetime.now(UTC) + timedelta(seconds=2)
    with points_app.app_context(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(clock, "now_utc", lambda: later)
        jobs.expire_holds.__wrapped__()
    report = reconciled()
    assert report["ok"], report["problems"]
    assert report["member_total"] + report["system_total"] == 0
    assert count("SELECT count(*) FROM holds WHERE status = 'active' AND deadline < now()") == 0
