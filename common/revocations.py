"""Access tokens that stop working before they expire: roles changed, account deleted.

An access token carries the roles and organisations it was issued with, for up to
ACCESS_TOKEN_TTL (15 minutes). When an administrator takes a coordinator's roles away
or completes a member's deletion, the tokens issued before that moment must stop at
once, not a quarter of an hour later. The gateway records the moment in Redis (a sorted
set: member id -> when). Every process that checks tokens keeps a copy, read again at
most once a second: the check is a dict lookup per request and one Redis call per
process per second, off the hot paths' database.

Tokens say when they were issued to the millisecond (``iat_ms``), so signing in again
right after a role change gives a token that works. If Redis cannot be read, the last
copy stands (logged): tokens then work as they did before this existed, rather than
every request failing.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from collections.abc import Callable

from redis import Redis
from redis.exceptions import RedisError

KEY = "civic:tokens:revoked"

log = logging.getLogger(__name__)


def revoke(redis: Redis, member_id: uuid.UUID, *, keep_seconds: int) -> None:
    """Stop every token of ``member_id`` issued until now; forget entries older than
    ``keep_seconds`` (the longest a token lives), which no live token predates."""
    now = time.time()
    pipeline = redis.pipeline(transaction=False)
    pipeline.zadd(KEY, {str(member_id): now})
    pipeline.zremrangebyscore(KEY, "-inf", now - keep_seconds)
    pipeline.execute()


class RevokedTokens:
    """This process's copy of the revocations, refreshed at most every ``refresh``."""

    def __init__(self, redis_of: Callable[[], Redis], *, window: int, refresh: float = 1.0) -> None:
        self._redis_of = redis_of
        self.window = window
        self.refresh = refresh
        # member -> the millisecond before which their tokens are void
        self._since: dict[uuid.UUID, int] = {}
        self._next_read = 0.0
        self._reading = threading.Lock()

    def revoked(self, member_id: uuid.UUID, issued_at_ms: int) -> bool:
        """Whether a token of ``member_id`` issued at ``issued_at_ms`` is void."""
        now = time.monotonic()
        # one thread reads; the others go on with the copy they have
        if now >= self._next_read and self._reading.acquire(blocking=False):
            try:
                self._next_read = now + self.refresh
                self._read()
            finally:
                self._reading.release()
        since = self._since.get(member_id)
        return since is not None and issued_at_ms < since

    def _read(self) -> None:
        try:
            rows: list[tuple[bytes, float]] = self._redis_of().zrangebyscore(  # type: ignore[assignment]
                KEY, time.time() - self.window, "+inf", withscores=True
            )
        except RedisError as exc:
            log.warning("revoked tokens not read, the last copy stands: %s", exc)
            return
        self._since = {uuid.UUID(member.decode()): math.ceil(at * 1000) for member, at in rows}
