"""Fixed-window counters in Redis, shared by every process of a service."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from redis import Redis

from common.errors import TooMany


@dataclass(frozen=True)
class Limit:
    name: str
    limit: int
    window_seconds: int


class RateLimiter:
    def __init__(self, redis: Redis, prefix: str = "civic:ratelimit") -> None:
        self.redis = redis
        self.prefix = prefix

    def _key(self, limit: Limit, subject: str) -> str:
        return f"{self.prefix}:{limit.name}:{subject}"

    def retry_after(self, limit: Limit, subject: str) -> int:
        """Seconds until ``subject`` may try again; 0 while it is under its limit."""
        key = self._key(limit, subject)
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.get(key)
            pipe.ttl(key)
            count, ttl = pipe.execute()
        if count is not None and int(count) >= limit.limit:
            return max(int(ttl), 1)
        return 0

    def enforce(self, checks: Iterable[tuple[Limit, str]], kind: str, message: str) -> None:
        """``TooMany`` (a 429 with Retry-After) when any subject is over its limit.

        ``message`` may say ``{wait}``, the seconds until the caller may try again."""
        wait = max((self.retry_after(limit, subject) for limit, subject in checks), default=0)
        if wait:
            raise TooMany(message.format(wait=wait), kind=kind, retry_after=wait)

    def record(self, limit: Limit, subject: str) -> int:
        """Count one more hit in the current window; the count so far."""
        key = self._key(limit, subject)
        with self.redis.pipeline(transaction=True) as pipe:
            # SET NX EX then INCR works on Redis 6 too (EXPIRE NX needs 7).
            pipe.set(key, 0, nx=True, ex=limit.window_seconds)
            pipe.incr(key)
            _, count = pipe.execute()
        return int(count)

    def reset(self, limit: Limit, subject: str) -> None:
        self.redis.delete(self._key(limit, subject))


# One round trip, atomic: a guess is let through (and counted) only when its subject's
# wait is over; the wait after each counted guess doubles once the free ones are spent.
_GUESS = """
local state = redis.call('HMGET', KEYS[1], 'failures', 'next_at')
local failures = tonumber(state[1]) or 0
local next_at = tonumber(state[2]) or 0
local now, free = tonumber(ARGV[1]), tonumber(ARGV[2])
local base, cap, keep = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
if now < next_at then
  return {0, failures, math.ceil(next_at - now)}
end
failures = failures + 1
local delay = 0
if failures >= free then
  delay = math.min(cap, base * 2 ^ (failures - free))
end
redis.call('HSET', KEYS[1], 'failures', failures, 'next_at', tostring(now + delay))
redis.call('EXPIRE', KEYS[1], keep)
return {1, failures, math.ceil(delay)}
"""


@dataclass(frozen=True)
class Guess:
    allowed: bool
    failures: int
    # when refused: seconds until the next guess; when allowed: the wait it now imposes
    wait: int


@dataclass(frozen=True)
class Slowdown:
    """Progressive delay per subject: ``free`` guesses, then waits of base, 2 base, 4 base...
    up to ``cap`` seconds; forgotten ``keep`` seconds after the last guess."""

    name: str
    free: int = 5
    base_seconds: int = 1
    cap_seconds: int = 120
    keep_seconds: int = 86400


class GuessCounter:
    """Counts guesses per subject atomically (a Lua script): concurrent guesses can never
    get more through than the slowdown allows, and the owner is slowed, never locked out."""

    def __init__(self, redis: Redis, slowdown: Slowdown, prefix: str = "civic:guesses") -> None:
        self.redis = redis
        self.slowdown = slowdown
        self.prefix = prefix
        self._script = redis.register_script(_GUESS)

    def key(self, subject: str) -> str:
        return f"{self.prefix}:{self.slowdown.name}:{subject}"

    def guess(self, subject: str, now: float) -> Guess:
        """Let one guess through and count it, or say how long to wait."""
        s = self.slowdown
        allowed, failures, wait = self._script(
            keys=[self.key(subject)],
            args=[repr(now), s.free, s.base_seconds, s.cap_seconds, s.keep_seconds],
        )
        return Guess(bool(allowed), int(failures), int(wait))

    def failures(self, subject: str) -> int:
        return int(self.redis.hget(self.key(subject), "failures") or 0)

    def clear(self, subject: str) -> None:
        """The right answer: the subject starts afresh."""
        self.redis.delete(self.key(subject))
