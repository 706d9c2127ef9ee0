"""Background jobs of the volunteers service."""

from __future__ import annotations

import logging
from datetime import timedelta

from common.app import session
from common.jobs import runs_in_app
from common.scheduler import PeriodicJob
from services.volunteers import services
from services.volunteers.config import config

log = logging.getLogger(__name__)


@runs_in_app("services.volunteers")
def sweep_orphan_photos() -> int:
    """Remove photo files left without a database row (older than an hour)."""
    removed = services.sweep_orphan_photos(session(), config().upload_dir, timedelta(hours=1))
    if removed:
        log.info("removed %d orphaned photo files", removed)
    return removed


PERIODIC: list[PeriodicJob] = [
    PeriodicJob("services.volunteers.jobs.sweep_orphan_photos", queue="volunteers", every=3600),
]
