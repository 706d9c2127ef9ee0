"""How fast wrong passwords may be tried on one account: a few free guesses, then waits
that double per wrong guess (up to a cap) instead of a lockout the owner cannot lift."""

from __future__ import annotations

import time
from collections.abc import Mapping

from redis import Redis

from common.errors import TooMany
from common.ratelimit import GuessCounter, Slowdown

# tests move it
now = time.time


def slowdown(settings: Mapping[str, str]) -> Slowdown:
    return Slowdown(
        "login-account",
        free=int(settings.get("LOGIN_FREE_GUESSES", "5")),
        base_seconds=int(settings.get("LOGIN_DELAY_BASE_SECONDS", "1")),
        cap_seconds=int(settings.get("LOGIN_DELAY_MAX_SECONDS", "120")),
    )


def counter(redis: Redis, settings: Mapping[str, str] | None = None) -> GuessCounter:
    return GuessCounter(redis, slowdown(settings or {}))


def let_guess(guesses: GuessCounter, username_key: str) -> None:
    """Count one guess at an account's password, or refuse it (429) until the wait is over."""
    guess = guesses.guess(username_key, now())
    if not guess.allowed:
        raise TooMany(
            f"Too many failed logins; try again in {guess.wait} seconds.",
            kind="too-many-login-attempts",
            retry_after=guess.wait,
        )


def failures(redis: Redis, username_key: str) -> int:
    """Wrong guesses counted against an account (its slate is cleaned by a right one)."""
    return counter(redis).failures(username_key)
