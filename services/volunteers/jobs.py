"""Background jobs of the volunteers service."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from common.app import session
from common.jobs import runs_in_app
from common.scheduler import PeriodicJob
from common.transaction import unit_of_work
from services.volunteers.config import config
from services.volunteers.usecases import inbox, photos

log = logging.getLogger(__name__)


@runs_in_app("services.volunteers")
def sweep_orphan_photos() -> int:
    """Remove photo files left without a database row (older than an hour)."""
    with unit_of_work(session()) as db:
        removed = photos.sweep_orphan_photos(db, config().upload_dir, timedelta(hours=1))
    if removed:
        log.info("removed %d orphaned photo files", removed)
    return removed


@runs_in_app("services.volunteers")
def handle_events(envelopes: list[dict[str, Any]]) -> dict[str, int]:
    """Events routed to volunteers (member.deleted), one transaction per batch."""
    with unit_of_work(session()) as db:
        result = inbox.handle_batch(db, envelopes)
    log.info("volunteers batch: %s", result.as_dict())
    return result.as_dict()


PERIODIC: list[PeriodicJob] = [
    PeriodicJob("services.volunteers.jobs.sweep_orphan_photos", queue="volunteers", every=3600),
]
