"""The rewards service's own settings, read once when the app starts (bad values fail fast)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from common.settings import ConfigurationError

# stars at cumulative approved hours: 100 / 300 / 600 / 1,000 / 1,500 h
DEFAULT_LEVEL_HOURS = (100, 300, 600, 1000, 1500)
# the points service refuses holds longer than this
POINTS_HOLD_MAX_SECONDS = 30 * 24 * 3600


@dataclass(frozen=True)
class RewardsConfig:
    points_url: str = "http://127.0.0.1:8002"
    internal_api_token: str = ""
    points_timeout: float = 5.0
    level_minutes: tuple[int, ...] = tuple(h * 60 for h in DEFAULT_LEVEL_HOURS)
    # how long a pending redemption waits for its approvals before it expires
    approval_seconds: int = 14 * 24 * 3600
    # how long after its round closes a winner waits for approval
    round_approval_seconds: int = 7 * 24 * 3600
    # the points hold outlives the redemption's own deadline by this much, so the
    # rewards service ends it first and points' expiry is only a backstop
    hold_margin_seconds: int = 3600
    # a redemption still 'requested' after this long lost its request (a crash): reconcile it
    intent_grace_seconds: int = 120
    redeem_per_minute: int = 20
    # fault injection for the crash test only: the process SIGKILLs itself after the hold
    crash_after_hold: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str], points_url: str, token: str) -> RewardsConfig:
        try:
            levels = env.get("REWARDS_LEVEL_HOURS", "").strip()
            config = cls(
                points_url=points_url.rstrip("/"),
                internal_api_token=token,
                points_timeout=float(env.get("REWARDS_POINTS_TIMEOUT", "5")),
                level_minutes=(
                    tuple(int(h) * 60 for h in levels.split(",")) if levels else cls.level_minutes
                ),
                approval_seconds=int(env.get("REWARDS_APPROVAL_SECONDS", str(14 * 24 * 3600))),
                round_approval_seconds=int(
                    env.get("REWARDS_ROUND_APPROVAL_SECONDS", str(7 * 24 * 3600))
                ),
                intent_grace_seconds=int(env.get("REWARDS_INTENT_GRACE_SECONDS", "120")),
                redeem_per_minute=int(env.get("REWARDS_REDEEM_PER_MINUTE", "20")),
                crash_after_hold=env.get("REWARDS_FAULT_CRASH_AFTER_HOLD", "") == "1",
            )
        except ValueError as exc:
            raise ConfigurationError(f"rewards settings: {exc}") from exc
        if list(config.level_minutes) != sorted(set(config.level_minutes)) or any(
            m <= 0 for m in config.level_minutes
        ):
            raise ConfigurationError("REWARDS_LEVEL_HOURS must be rising whole hours, e.g. 100,300")
        if (
            not 60
            <= config.approval_seconds + config.hold_margin_seconds
            <= (POINTS_HOLD_MAX_SECONDS)
        ):
            raise ConfigurationError(
                "REWARDS_APPROVAL_SECONDS must leave the points hold within 30 days"
            )
        if config.redeem_per_minute < 1 or config.intent_grace_seconds < 1:
            raise ConfigurationError(
                "REWARDS_REDEEM_PER_MINUTE and REWARDS_INTENT_GRACE_SECONDS must be positive"
            )
        if not token:
            raise ConfigurationError(
                "INTERNAL_API_TOKEN is not set: the rewards service places points holds with it"
            )
        return config
