"""Background jobs of the points service.

``handle_events`` takes a whole batch of event envelopes (the outbox relay
enqueues one job per batch), pays them in one transaction and then adds the
points to the leaderboards. The periodic jobs release overdue holds, expire old
lots and forget idempotency keys past their retention (30 days).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import current_app
from sqlalchemy.exc import InterfaceError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from common.app import redis_client, session
from common.idempotency import purge_expired_keys
from common.jobs import runs_in_app
from common.scheduler import PeriodicJob
from common.transaction import unit_of_work
from services.points.adapters import leaderboard
from services.points.adapters.models import plumbing
from services.points.config import PointsConfig
from services.points.usecases import accounts, awards, holds, inbox
from services.points.usecases.awards import BatchResult

log = logging.getLogger(__name__)

QUEUE = "points"

PERIODIC: list[PeriodicJob] = [
    PeriodicJob("services.points.jobs.expire_holds", QUEUE, 30),
    PeriodicJob("services.points.jobs.expire_lots", QUEUE, 3600),
    PeriodicJob("services.points.jobs.purge_idempotency_keys", QUEUE, 6 * 3600),
]


def _config() -> PointsConfig:
    value: PointsConfig = current_app.extensions["points_config"]
    return value


def process_batch(envelopes: list[dict[str, Any]]) -> dict[str, int]:
    """Pay one batch inside the current app context; commit, then update the leaderboards.

    A batch that fails for a reason other than an unreachable or refusing store is split: each
    event is tried on its own, and one that still fails is parked with the error, so a
    single poisonous event cannot hold back the events it travelled with.
    """
    db = session()
    try:
        with unit_of_work(db):
            result = _with_retries(lambda: awards.handle_events(db, _config(), envelopes))
    except (OperationalError, InterfaceError, ProgrammingError):
        db.rollback()  # also when the commit itself failed
        # the store is away, or refuses the service's statements whatever the event (a
        # missing grant, a table or column a pending migration adds): parking the events
        # would mark them processed and never pay them, so the whole job fails and is
        # retried as it was
        raise
    except Exception as exc:
        db.rollback()
        return _split(envelopes, exc)
    if result.scores:
        try:
            leaderboard.record(redis_client(), result.scores)
        except Exception as exc:  # the ledger is right; the boards rebuild from it
            log.warning("leaderboard update failed (%s); boards will rebuild", exc)
    summary = result.summary()
    log.info("points batch: %s", summary)
    return summary


def _split(envelopes: list[dict[str, Any]], exc: Exception) -> dict[str, int]:
    """Pay a failed batch event by event; park the one event that fails on its own."""
    if len(envelopes) > 1:
        log.exception("a batch of %d events failed; paying them one by one", len(envelopes))
        totals: dict[str, int] = {}
        for envelope in envelopes:
            for name, value in process_batch([envelope]).items():
                totals[name] = totals.get(name, 0) + value
        return totals
    log.exception("an event failed; parking it")
    with unit_of_work(session()) as db:
        parked = inbox.park_failed(db, envelopes[0], f"failed to pay: {exc!r}")
    return BatchResult(received=1, duplicates=0 if parked else 1, parked=int(parked)).summary()


# deadlock, serialization failure: transient, the same batch is tried again at once
_TRANSIENT = {"40P01", "40001"}


def _with_retries(pay: Callable[[], BatchResult], attempts: int = 3) -> BatchResult:
    for attempt in range(1, attempts + 1):
        try:
            return pay()
        except OperationalError as exc:
            code = getattr(exc.orig, "sqlstate", None)
            if code not in _TRANSIENT or attempt == attempts:
                raise
            log.warning("batch hit %s (attempt %d); trying again", code, attempt)
            session().rollback()
    raise AssertionError("unreachable")


@runs_in_app("services.points")
def handle_events(envelopes: list[dict[str, Any]]) -> dict[str, int]:
    return process_batch(envelopes)


def _repeat(step: Callable[[Session, PointsConfig], int]) -> int:
    """Run a batch step, one transaction per batch, until a batch finds nothing to do."""
    total = 0
    while True:
        with unit_of_work(session()) as db:
            done = step(db, _config())
        total += done
        if done == 0:
            return total


@runs_in_app("services.points")
def expire_holds() -> int:
    return _repeat(holds.expire)


@runs_in_app("services.points")
def expire_lots() -> int:
    return _repeat(accounts.expire_lots)


@runs_in_app("services.points")
def purge_idempotency_keys() -> int:
    # purge_expired_keys still commits on its own (common/idempotency.py); the unit of work
    # is the rule every job keeps, and makes its commit the only one once that one goes
    with unit_of_work(session()) as db:
        return purge_expired_keys(db, plumbing.idempotency_keys)
