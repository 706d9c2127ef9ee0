"""Leaderboards in Redis sorted sets, one per organisation (and one district-wide) and month.

Redis is a cache of the journal here: a board that is missing is rebuilt from
the ledger on the next read. Awards increment a board only when it exists
(a Lua script checks and increments atomically), so an increment never makes a
partial board look complete. A rebuilt board lives for an hour; a board that
missed an increment (the worker died between its commit and Redis) heals then.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import cast

from redis import Redis

DISTRICT = "district"
REBUILT_TTL = 3600

_INCREMENT_IF_PRESENT = """
local done = 0
for i, key in ipairs(KEYS) do
    if redis.call('EXISTS', key) == 1 then
        local score = redis.call('ZINCRBY', key, ARGV[2 * i - 1], ARGV[2 * i])
        -- as a rebuild has it: a member whose month was clawed back to nothing is not listed
        if tonumber(score) <= 0 then
            redis.call('ZREM', key, ARGV[2 * i])
        end
        done = done + 1
    end
end
return done
"""


def board_key(organization_id: uuid.UUID | None, period: str) -> str:
    return f"points:leaderboard:{organization_id or DISTRICT}:{period}"


def record(redis: Redis, scores: Iterable[tuple[uuid.UUID | None, str, uuid.UUID, int]]) -> None:
    """Add a committed batch's points to the boards that exist (its organisations' and the
    district's)."""
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for organization_id, period, member_id, points in scores:
        if organization_id is not None:
            totals[(board_key(organization_id, period), str(member_id))] += points
        totals[(board_key(None, period), str(member_id))] += points
    if not totals:
        return
    items = sorted(totals.items())
    script = redis.register_script(_INCREMENT_IF_PRESENT)
    for start in range(0, len(items), 500):
        chunk = items[start : start + 500]
        args: list[str | int] = []
        for (_, member), points in chunk:
            args += [points, member]
        script(keys=[key for (key, _), _ in chunk], args=args)


def top(
    redis: Redis,
    organization_id: uuid.UUID | None,
    period: str,
    limit: int,
    rebuild: Callable[[], list[tuple[uuid.UUID, int]]],
) -> list[tuple[uuid.UUID, int]]:
    """The board's top ``limit`` (member, points); rebuilt from ``rebuild()`` when missing."""
    key = board_key(organization_id, period)
    if not redis.exists(key):
        scores = rebuild()
        if not scores:
            return []
        with redis.pipeline() as pipe:
            pipe.delete(key)
            pipe.zadd(key, {str(m): p for m, p in scores})
            pipe.expire(key, REBUILT_TTL)
            pipe.execute()
    # with scores, members come as bytes beside their float scores (redis-py types say less)
    rows = cast(list[tuple[bytes, float]], redis.zrevrange(key, 0, limit - 1, withscores=True))
    return [(uuid.UUID(m.decode()), int(s)) for m, s in rows]
