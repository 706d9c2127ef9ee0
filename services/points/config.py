"""The points service's own settings, read once when the app starts (bad values fail fast)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from common.settings import ConfigurationError
from services.points.domain.expiry import ExpiryPolicy


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

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> PointsConfig:
        try:
            config = cls(
                expiry=ExpiryPolicy.parse(env.get("POINTS_EXPIRY")),
                system_shards=int(env.get("POINTS_SYSTEM_SHARDS", "16")),
                hold_default_seconds=int(env.get("POINTS_HOLD_DEFAULT_SECONDS", str(15 * 60))),
                hold_max_seconds=int(env.get("POINTS_HOLD_MAX_SECONDS", str(30 * 24 * 3600))),
                db_role=env.get("POINTS_DB_ROLE", "points_service").strip(),
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
        if not config.db_role.replace("_", "").isalnum() and config.db_role:
            raise ConfigurationError("POINTS_DB_ROLE must be a plain role name")
        return config
