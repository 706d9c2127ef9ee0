"""Background jobs of the rewards service.

``handle_events`` takes a batch of event envelopes off the rewards queue (the relay
enqueues one job per batch) and applies it in one transaction. The periodic jobs
reconcile redemptions with their points holds and close allocation rounds.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from common.app import session
from common.consuming import consume
from common.jobs import runs_in_app
from common.scheduler import PeriodicJob
from common.transaction import unit_of_work
from services.rewards.adapters.runtime import config, points
from services.rewards.usecases import events, rounds
from services.rewards.usecases import reconcile as reconciling
from services.rewards.usecases.actors import SYSTEM

log = logging.getLogger(__name__)

QUEUE = "rewards"

PERIODIC: list[PeriodicJob] = [
    PeriodicJob("services.rewards.jobs.reconcile", QUEUE, 30),
    PeriodicJob("services.rewards.jobs.close_rounds", QUEUE, 30),
]


def process_batch(envelopes: list[dict[str, Any]]) -> dict[str, int]:
    """Apply one batch inside the current app context, in one transaction
    (``common.consuming`` splits a failing batch and parks the event that fails alone)."""
    return consume(envelopes, _apply, _park)


def _apply(envelopes: list[dict[str, Any]]) -> dict[str, int]:
    db = session()
    with unit_of_work(db):
        result = events.handle_batch(db, envelopes)
    log.info("rewards batch: %s", result.as_dict())
    return result.as_dict()


def _park(envelope: dict[str, Any], exc: Exception) -> dict[str, int]:
    db = session()
    with unit_of_work(db):
        parked = events.park_failed(db, envelope, f"failed: {exc!r}")
    return {"received": 1, "applied": 0, "duplicates": 1 - parked, "parked": parked}


@runs_in_app("services.rewards")
def handle_events(envelopes: list[dict[str, Any]]) -> dict[str, int]:
    return process_batch(envelopes)


@runs_in_app("services.rewards")
def reconcile() -> dict[str, int]:
    return reconcile_now()


def reconcile_now() -> dict[str, int]:
    """Settle lost intents and match holding requests with their holds, in the current app
    (see ``usecases.reconcile``)."""
    db = session()
    now = datetime.now(UTC)
    summary = {
        "intents": reconciling.settle_intents(db, points(), config(), now),
        "holding": reconciling.check_holding(db, points(), now),
    }
    if any(summary.values()):
        log.info("rewards reconcile: %s", summary)
    return summary


@runs_in_app("services.rewards")
def close_rounds() -> int:
    return close_rounds_now()


def close_rounds_now() -> int:
    """Close every round whose window has ended; how many were closed."""
    db = session()
    now = datetime.now(UTC)
    closed = 0
    for round_id in rounds.due_rounds(db, now):
        rounds.close_round(db, SYSTEM, round_id, points(), now)
        closed += 1
    return closed
