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
