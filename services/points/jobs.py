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
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from common.app import redis_client, session
from common.consuming import consume
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
    """Pay one batch inside the current app context; commit, then update the leaderboards
    (``common.consuming`` splits a failing batch and parks the event that fails alone)."""
    return consume(envelopes, _pay, _park)


def _pay(envelopes: list[dict[str, Any]]) -> dict[str, int]:
    db = session()
    with unit_of_work(db):
        result = _with_retries(lambda: awards.handle_events(db, _config(), envelopes))
    if result.scores:
        try:
            leaderboard.record(redis_client(), result.scores)
        except Exception as exc:  # the ledger is right; the boards rebuild from it
            log.warning("leaderboard update failed (%s); boards will rebuild", exc)
    summary = result.summary()
    log.info("points batch: %s", summary)
    return summary


def _park(envelope: dict[str, Any], exc: Exception) -> dict[str, int]:
    with unit_of_work(session()) as db:
        parked = inbox.park_failed(db, envelope, f"failed to pay: {exc!r}")
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
