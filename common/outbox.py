"""The transactional outbox and its relay.

``emit`` writes an event in the same transaction as the change it reports, so
an event exists exactly when its change does. The relay moves unsent rows to
the consumers' RQ queues and marks them sent in one database transaction: if
Redis is down the transaction rolls back and the rows wait; if the relay dies
after enqueueing but before committing, the rows are sent again and the
consumers, idempotent by event id, ignore the copy.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from redis import Redis
from rq import Retry
from sqlalchemy import Table, delete, func, insert, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from common.events import Event
from common.health import Heartbeat, serve_health_from_env
from common.jobs import json_queue
from common.transaction import unit_of_work
from suite import APPS, app, event_routes
from suite import consumers as consumers_of_suite

log = logging.getLogger(__name__)

# The rows are marked sent once their job is queued, so the job itself must not give up
# when the consumer's database is away or its worker is killed half way (rq retries an
# abandoned job that has retries left): about six hours of backing off, after which it
# waits in rq's failed registry (kept 30 days) for `rq requeue`.
CONSUMER_RETRY = Retry(max=30, interval=[1, 5, 15, 30, 60, 120, 300, 600, 900])


def emit(session: Session | Connection, outbox: Table, event: Event) -> Event:
    session.execute(
        insert(outbox).values(
            id=event.id,
            type=event.type,
            version=event.version,
            subject=event.subject,
            occurred_at=event.occurred_at,
            data=event.data,
        )
    )
    return event


class OutboxRelay:
    def __init__(
        self,
        engine: Engine,
        outbox: Table,
        redis: Redis,
        *,
        batch_size: int = 500,
        routes: dict[str, tuple[str, ...]] | None = None,
        consumers: dict[str, str] | None = None,
    ) -> None:
        self.engine = engine
        self.outbox = outbox
        self.redis = redis
        self.batch_size = batch_size
        self.routes = event_routes() if routes is None else routes
        self.consumers = consumers_of_suite() if consumers is None else consumers

    def relay_once(self) -> int:
        """Move one batch of unsent events; the number moved (0 when none wait)."""
        t = self.outbox
        with self.engine.begin() as connection:
            rows = connection.execute(
                select(
                    t.c.position,
                    t.c.id,
                    t.c.type,
                    t.c.version,
                    t.c.subject,
                    t.c.occurred_at,
                    t.c.data,
                )
                .where(t.c.sent_at.is_(None))
                .order_by(t.c.position)
                .limit(self.batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            if not rows:
                return 0
            batches: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for row in rows:
                envelope = Event(
                    row.id, row.type, row.occurred_at, row.subject, row.data, row.version
                ).envelope()
                queues = self.routes.get(row.type, ())
                if not queues:
                    log.warning("event %s of type %s has no consumer", row.id, row.type)
                for queue_name in queues:
                    batches[queue_name].append(envelope)
            with self.redis.pipeline() as pipe:
                for queue_name, envelopes in batches.items():
                    json_queue(queue_name, self.redis).enqueue(
                        self.consumers[queue_name],
                        envelopes,
                        pipeline=pipe,
                        result_ttl=60,
                        failure_ttl=30 * 24 * 3600,
                        retry=CONSUMER_RETRY,
                    )
                pipe.execute()
            connection.execute(
                update(t)
                .where(t.c.position.in_([row.position for row in rows]))
                .values(sent_at=func.now(), attempts=t.c.attempts + 1)
            )
        return len(rows)

    def drain(self) -> int:
        moved = total = self.relay_once()
        while moved:
            moved = self.relay_once()
            total += moved
        return total


def purge_sent(service: str, keep_days: int = 7) -> int:
    """Job: delete ``service``'s outbox rows delivered more than ``keep_days`` ago.

    Consumers remember event ids for longer than this (their processed_events), and the
    relay never looks at sent rows, so they serve only as a short audit trail.
    """
    from common.app import session
    from common.jobs import app_for

    spec = app(service)
    outbox: Table = importlib.import_module(spec.models).plumbing.outbox
    with app_for(spec.package).app_context(), unit_of_work(session()) as db:
        result = db.execute(
            delete(outbox).where(
                outbox.c.sent_at < func.now() - text(f"interval '{int(keep_days)} days'")
            )
        )
    return int(getattr(result, "rowcount", 0) or 0)


def run_relays(
    relays: dict[str, OutboxRelay], idle_sleep: float = 0.2, heartbeat: Heartbeat | None = None
) -> None:
    """Relay every service's outbox until stopped; a failing store is retried with backoff."""
    backoff = {name: 0.0 for name in relays}
    not_before = {name: 0.0 for name in relays}
    while True:
        if heartbeat is not None:
            heartbeat.beat()
        moved_any = False
        for name, relay in relays.items():
            if time.monotonic() < not_before[name]:
                continue
            try:
                moved_any |= relay.relay_once() > 0
                backoff[name] = 0.0
            except Exception as exc:  # a store is down: keep the rows, try again later
                backoff[name] = min(max(backoff[name] * 2, 0.5), 10.0)
                not_before[name] = time.monotonic() + backoff[name]
                log.warning("relay %s failed (%s); retrying in %.1fs", name, exc, backoff[name])
        if not moved_any:
            time.sleep(idle_sleep)


def main(argv: list[str] | None = None) -> None:
    """``python -m common.outbox [APP...]``: the relay process of the suite (by default,
    of every app with an outbox in the manifest)."""
    import argparse

    from common.db import make_engine
    from common.logs import configure_logging
    from common.settings import Settings, environment

    parser = argparse.ArgumentParser(description="Relay services' outboxes to their consumers")
    parser.add_argument("services", nargs="*", help="default: every app with an outbox")
    args = parser.parse_args(argv)
    configure_logging("relay")
    relays = {}
    for service in args.services or [each.name for each in APPS if each.has_outbox]:
        settings = Settings.from_env(service)
        models = importlib.import_module(app(service).models)
        relays[service] = OutboxRelay(
            make_engine(settings.database_url, pool_size=1),
            models.plumbing.outbox,
            Redis.from_url(settings.redis_url, socket_timeout=5, socket_connect_timeout=2),
        )
    heartbeat = Heartbeat(stale_after=60)
    serve_health_from_env(
        environment(),
        {
            **{f"{name}-database": _pinger(relay.engine) for name, relay in relays.items()},
            "redis": next(iter(relays.values())).redis.ping,
        },
        alive=heartbeat.check,
    )
    log.info("relaying the outboxes of %s", ", ".join(relays))
    run_relays(relays, heartbeat=heartbeat)


def _pinger(engine: Engine) -> Callable[[], None]:
    def ping() -> None:
        with engine.connect() as connection:
            connection.execute(select(1))

    return ping


if __name__ == "__main__":
    main()
