"""``python -m common.worker [QUEUE...]``: an RQ worker for the suite's JSON jobs.

Without names it takes every app's queue that the suite manifest gives work to:
the event consumers' first, so that awards go before housekeeping.

It is rq's SimpleWorker, which runs jobs in its own process: the default worker
forks for every job (about 73 jobs/s on these machines against about 440
without the fork), and our jobs are short, batched and safe to retry, so the
isolation a fork buys is not worth its cost. Run more workers for more throughput.
"""

from __future__ import annotations

import argparse

from redis import Redis
from rq.serializers import JSONSerializer
from rq.worker import SimpleWorker

from common.health import serve_health_from_env
from common.jobs import json_queue
from common.logs import configure_logging
from common.settings import environment
from suite import APPS


def default_queues() -> list[str]:
    """Every app's queue that gets jobs (events, periodic jobs, outbox purges), consumers first."""
    busy = [each for each in APPS if each.consumer or each.periodic or each.has_outbox]
    return [each.name for each in sorted(busy, key=lambda each: each.consumer is None)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("queues", nargs="*", help="default: every queue the manifest fills")
    parser.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    args = parser.parse_args(argv)
    configure_logging("worker")
    env = environment()
    redis = Redis.from_url(env["REDIS_URL"])
    serve_health_from_env(env, {"redis": redis.ping})
    worker = SimpleWorker(
        [json_queue(name, redis) for name in args.queues or default_queues()],
        connection=redis,
        serializer=JSONSerializer,
    )
    worker.work(burst=args.burst, with_scheduler=True)


if __name__ == "__main__":
    main()
