"""Background jobs of the volunteers service."""

from common.scheduler import PeriodicJob

PERIODIC: list[PeriodicJob] = []
