"""The rewards service's settings and points client, as the running app holds them."""

from __future__ import annotations

import functools
from zoneinfo import ZoneInfo

from flask import current_app

from services.rewards.adapters.points import PointsClient
from services.rewards.config import RewardsConfig
from services.rewards.domain.standing import Levels


def config() -> RewardsConfig:
    value: RewardsConfig = current_app.extensions["rewards_config"]
    return value


def points() -> PointsClient:
    value: PointsClient = current_app.extensions["points_client"]
    return value


def district_zone() -> ZoneInfo:
    zone: ZoneInfo = current_app.config["SETTINGS"].district_timezone
    return zone


def levels() -> Levels:
    """The district's service levels (REWARDS_LEVEL_HOURS)."""
    return _levels(config().level_minutes)


@functools.lru_cache(maxsize=16)  # read by every request; checked when made
def _levels(thresholds_minutes: tuple[int, ...]) -> Levels:
    return Levels(thresholds_minutes)
