"""Background jobs of the points service."""

from common.scheduler import PeriodicJob

PERIODIC: list[PeriodicJob] = []
