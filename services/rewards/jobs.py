"""Background jobs of the rewards service."""

from common.scheduler import PeriodicJob

PERIODIC: list[PeriodicJob] = []
