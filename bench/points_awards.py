"""Award throughput end to end: approved events in an outbox -> relay -> RQ workers -> ledger.

``python -m bench.points_awards`` (DATABASE_URL and REDIS_URL set) uses its own
databases (prefix ``bench4_``) and its own Redis database, and runs, in one session:

1. pgbench (TPC-B-like, 4 clients; select-only, 1 client): what PostgreSQL does here;
2. RQ with one no-op job per event and the same workers: the ceiling of per-event jobs;
3. the real path: N ``hours.approved`` events written to the volunteers outbox, the
   production relay (``python -m common.outbox volunteers``) moving them in batches,
   ``python -m common.worker points`` SimpleWorkers paying them; the clock runs from the
   relay's start until the last event is paid, and reconcile checks the ledger after.

It writes its table into docs/perf/points.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from typing import Any

import sqlalchemy as sa
from redis import Redis

from bench.points_common import (
    claim_redis_db,
    engine,
    machine,
    pgbench,
    prepare_environment,
    require_servers,
    truncate,
    write_section,
)
from common.jobs import json_queue
from common.migrations import upgrade
from devtools.environment import release_redis_db


def noop(*_: Any) -> None:
    """The per-event job of the RQ baseline: nothing at all."""


def start_workers(count: int) -> list[subprocess.Popen[bytes]]:
    return [
        subprocess.Popen(
            [sys.executable, "-m", "common.worker", "points"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for p in processes:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in processes:
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def wait_until(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.02)


def rq_baseline(redis: Redis, jobs: int, workers: int) -> float:
    """Jobs/s of RQ with one no-op job per event and ``workers`` SimpleWorkers."""
    queue = json_queue("points", redis)
    queue.empty()
    procs = start_workers(workers)
    try:
        wait_until(lambda: _idle_workers(redis) >= workers, 60, "the workers to register")
        with redis.pipeline() as pipe:
            for _ in range(jobs):
                queue.enqueue("bench.points_awards.noop", pipeline=pipe, result_ttl=0)
            pipe.execute()
        started = time.perf_counter()
        wait_until(lambda: queue.count == 0 and _started(redis) == 0, 300, "the no-op jobs")
        return jobs / (time.perf_counter() - started)
    finally:
        stop(procs)


def _idle_workers(redis: Redis) -> int:
    from rq import Worker

    return sum(worker.get_state() == "idle" for worker in Worker.all(connection=redis))


def _started(redis: Redis) -> int:
    return int(json_queue("points", redis).started_job_registry.count)


def seed_rules(points: sa.Engine) -> None:
    with points.begin() as c:
        c.execute(
            sa.text(
                "INSERT INTO earning_rules (event_type, points, per, daily_cap, effective_from) "
                "VALUES ('hours.approved', 10, 'hour', NULL, '2000-01-01T00:00:00Z')"
            )
        )


def write_events(volunteers: sa.Engine, count: int, members: int, orgs: int) -> float:
    """Write ``count`` approved-hours events in one transaction; the time it committed."""
    from common.events import Event

    member_ids = [uuid.uuid4() for _ in range(members)]
    org_ids = [uuid.uuid4() for _ in range(orgs)]
    rows = []
    for _ in range(count):
        m = random.choice(member_ids)
        event = Event.new(
            "hours.approved",
            m,
            {
                "hours_id": str(uuid.uuid4()),
                "member_id": str(m),
                "organization_id": str(random.choice(org_ids)),
                "minutes": random.randint(30, 240),
                "approved_by": str(uuid.uuid4()),
            },
        )
        rows.append(
            {
                "id": event.id,
                "type": event.type,
                "subject": event.subject,
                "occurred_at": event.occurred_at,
                "data": event.data,
            }
        )
    from services.volunteers.adapters.models import plumbing

    with volunteers.begin() as c:
        for start in range(0, len(rows), 5000):
            c.execute(sa.insert(plumbing.outbox), rows[start : start + 5000])
    return time.perf_counter()


def processed(points: sa.Engine) -> int:
    with points.connect() as c:
        return int(c.execute(sa.text("SELECT count(*) FROM processed_events")).scalar_one())


def run_path(
    server_url: str, redis: Redis, events: int, members: int, workers: int
) -> dict[str, float]:
    points, volunteers = engine(server_url, "points"), engine(server_url, "volunteers")
    truncate(server_url, "points")
    truncate(server_url, "volunteers")
    redis.flushdb()
    seed_rules(points)
    procs = start_workers(workers)
    relay: subprocess.Popen[bytes] | None = None
    try:
        # warm up: every worker builds its app and pool on its first batch
        write_events(volunteers, 600 * workers, members, 20)
        relay = subprocess.Popen(
            [sys.executable, "-m", "common.outbox", "volunteers"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: processed(points) == 600 * workers, 120, "the warm-up")
        warm = 600 * workers
        with points.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(sa.text("VACUUM ANALYZE"))
        # the clock starts when the events' transaction commits; the relay is already polling
        started = write_events(volunteers, events, members, 20)
        wait_until(lambda: processed(points) >= warm + events, 600, "the events to be paid")
        elapsed = time.perf_counter() - started
    finally:
        stop(procs + ([relay] if relay else []))
    with points.connect() as c:
        paid = c.execute(sa.text("SELECT count(*) FROM transfers WHERE kind = 'award'")).scalar()
    report = reconcile(points)
    points.dispose()
    volunteers.dispose()
    return {"elapsed": elapsed, "rate": events / elapsed, "paid": float(paid or 0), **report}


def reconcile(points: sa.Engine) -> dict[str, float]:
    from common.jobs import app_for
    from services.points.usecases import reconcile as ledger_check

    with app_for("services.points").app_context():
        from common.app import session

        report = ledger_check.reconcile(session())
        session().rollback()
    if not report.ok:
        raise SystemExit(f"the ledger is off after the run: {report.as_dict()['problems'][:5]}")
    return {"reconciled_transfers": float(report.transfers)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--members", type=int, default=5_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rq-jobs", type=int, default=3_000)
    parser.add_argument("--pgbench-seconds", type=int, default=10)
    parser.add_argument("--no-write", action="store_true", help="do not update docs/perf")
    args = parser.parse_args(argv)
    server_url, base_redis = require_servers()
    redis_url, number = claim_redis_db(base_redis)
    try:
        prepare_environment(server_url, redis_url)
        upgrade("points")
        upgrade("volunteers")
        redis = Redis.from_url(redis_url)
        baseline = pgbench(server_url, args.pgbench_seconds)
        for b in baseline:
            print(f"pgbench {b.mode} ({b.clients} clients): {b.tps:.0f} tps, {b.latency_ms:.2f} ms")
        rq = rq_baseline(redis, args.rq_jobs, args.workers)
        print(f"RQ, one no-op job per event, {args.workers} SimpleWorkers: {rq:.0f} jobs/s")
        result = run_path(server_url, redis, args.events, args.members, args.workers)
        print(
            f"awards end to end: {args.events} events in {result['elapsed']:.2f}s = "
            f"{result['rate']:.0f} events/s ({args.workers} workers); reconcile ok over "
            f"{result['reconciled_transfers']:.0f} transfers"
        )
        tpcb = baseline[0].tps
        body = "\n".join(
            [
                "## Award throughput, end to end",
                "",
                f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {machine()}; "
                f"`python -m bench.points_awards --events {args.events} --members "
                f"{args.members} --workers {args.workers}`. PostgreSQL, Redis, the relay and "
                "the workers share the machine.",
                "",
                "| measure | result | vs pgbench TPC-B |",
                "|---|---|---|",
                f"| pgbench TPC-B-like, 4 clients | {tpcb:.0f} tps | 1.00 |",
                f"| pgbench select-only, 1 client | {baseline[1].tps:.0f} tps "
                f"({baseline[1].latency_ms:.3f} ms) | {baseline[1].tps / tpcb:.2f} |",
                f"| RQ, one no-op job per event, {args.workers} SimpleWorkers | {rq:.0f} jobs/s | "
                f"{rq / tpcb:.2f} |",
                f"| **awards: outbox -> relay -> {args.workers} workers -> ledger** | "
                f"**{result['rate']:.0f} events/s** | {result['rate'] / tpcb:.2f} |",
                "",
                f"{args.events} `hours.approved` events for {args.members} members in 20 "
                f"organisations were paid in {result['elapsed']:.2f} s; afterwards reconcile "
                f"replayed {result['reconciled_transfers']:.0f} transfers and found the ledger "
                "whole. The relay enqueues one job per batch of up to 500 events, and a worker "
                "pays a batch in one transaction: one claim insert into processed_events, one "
                "lock of the batch's accounts in id order, bulk inserts of the journal, one "
                "update of the balances, one upsert of lots and one of the issuance shard.",
            ]
        )
        if not args.no_write:
            write_section("points-awards", body)
    finally:
        release_redis_db(base_redis, number)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
