"""``python -m common.scheduler``: enqueue each service's periodic jobs on time.

rq's own cron scheduler enqueues with pickle; ours enqueues JSON jobs by
dotted path like everything else. A Redis key per job and time slot makes a
second scheduler instance harmless: only one of them enqueues each slot.
"""

from __future__ import annotations

import importlib
import logging
import time
from dataclasses import dataclass

from redis import Redis

from common.health import Heartbeat, serve_health_from_env
from common.jobs import json_queue
from common.logs import configure_logging
from common.settings import environment
from suite import APPS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    """Run ``func`` (a dotted path) on ``queue`` every ``every`` seconds."""

    func: str
    queue: str
    every: int
    args: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return ":".join((self.func, *self.args))


def collect_jobs() -> list[PeriodicJob]:
    """Every app's periodic jobs, as the suite manifest names them."""
    jobs: list[PeriodicJob] = []
    for each in APPS:
        if each.periodic:
            module_path, _, name = each.periodic.rpartition(".")
            jobs.extend(getattr(importlib.import_module(module_path), name))
        if each.has_outbox:
            # plumbing every app with an outbox has: forget rows delivered long ago
            jobs.append(PeriodicJob("common.outbox.purge_sent", each.name, 3600, (each.name,)))
    return jobs


def tick(redis: Redis, jobs: list[PeriodicJob], now: float | None = None) -> list[str]:
    """Enqueue every job whose slot has come; the dotted paths enqueued."""
    now = time.time() if now is None else now
    enqueued = []
    for job in jobs:
        slot = int(now // job.every)
        if redis.set(f"civic:scheduler:{job.name}:{slot}", "1", nx=True, ex=job.every * 2):
            json_queue(job.queue, redis).enqueue(
                job.func, *job.args, result_ttl=60, job_timeout=job.every * 4
            )
            enqueued.append(job.name)
    return enqueued


def main() -> None:
    configure_logging("scheduler")
    env = environment()
    redis = Redis.from_url(env["REDIS_URL"], socket_timeout=5, socket_connect_timeout=2)
    jobs = collect_jobs()
    heartbeat = Heartbeat(stale_after=30)
    serve_health_from_env(env, {"redis": redis.ping}, alive=heartbeat.check)
    log.info("scheduling %s", ", ".join(f"{j.func} every {j.every}s" for j in jobs))
    while True:
        heartbeat.beat()
        try:
            for name in tick(redis, jobs):
                log.info("enqueued %s", name)
        except Exception as exc:  # Redis away: the next tick tries again
            log.warning("scheduler tick failed: %s", exc)
        time.sleep(1)


if __name__ == "__main__":
    main()
