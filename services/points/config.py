"""The points service's own settings, read once when the app starts (bad values fail fast)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from common.settings import ConfigurationError
from services.points.domain.expiry import ExpiryPolicy
from services.points.domain.rules import DEFAULT_DAILY_CAP


@dataclass(frozen=True)
class PointsConfig:
    expiry: ExpiryPolicy = ExpiryPolicy()
    # rows per system account: awards spread over them instead of queueing on one
    system_shards: int = 16
    hold_default_seconds: int = 15 * 60
    hold_max_seconds: int = 30 * 24 * 3600
    # the database role the service's sessions run as ("" keeps the login role)
    db_role: str = "points_service"
    expiring_lots_shown: int = 3
    leaderboard_size: int = 20
    # an adjustment moving more points than this waits for a second admin's approval
    adjustment_approval_above: int = 500
    # the cap of a rule set without one
    default_daily_cap: int = DEFAULT_DAILY_CAP
    # decides the day of a daily cap and the month of a leaderboard (the suite's setting,
    # DISTRICT_TIMEZONE, put here when the app starts)
    district_timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> PointsConfig:
        try:
            config = cls(
                expiry=ExpiryPolicy.parse(env.get("POINTS_EXPIRY")),
                system_shards=int(env.get("POINTS_SYSTEM_SHARDS", "16")),
                hold_default_seconds=int(env.get("POINTS_HOLD_DEFAULT_SECONDS", str(15 * 60))),
                hold_max_seconds=int(env.get("POINTS_HOLD_MAX_SECONDS", str(30 * 24 * 3600))),
                db_role=env.get("POINTS_DB_ROLE", "points_service").strip(),
                adjustment_approval_above=int(env.get("POINTS_ADJUSTMENT_APPROVAL_ABOVE", "500")),
                default_daily_cap=int(env.get("POINTS_DEFAULT_DAILY_CAP", str(DEFAULT_DAILY_CAP))),
            )
        except ValueError as exc:
            raise ConfigurationError(f"points settings: {exc}") from exc
        if not 1 <= config.system_shards <= 256:
            raise ConfigurationError("POINTS_SYSTEM_SHARDS must be between 1 and 256")
        if not 1 <= config.hold_default_seconds <= config.hold_max_seconds:
            raise ConfigurationError(
                "POINTS_HOLD_DEFAULT_SECONDS must be at least 1 and at most "
                "POINTS_HOLD_MAX_SECONDS, or every hold placed without a deadline is refused"
            )
        if config.adjustment_approval_above < 0:
            raise ConfigurationError("POINTS_ADJUSTMENT_APPROVAL_ABOVE must not be negative")
        if config.default_daily_cap < 0:
            raise ConfigurationError("POINTS_DEFAULT_DAILY_CAP must not be negative")
        if not config.db_role.replace("_", "").isalnum() and config.db_role:
            raise ConfigurationError("POINTS_DB_ROLE must be a plain role name")
        return config
