"""Views after whose commit a member's access tokens must stop working at once."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from redis.exceptions import RedisError

from common.app import redis_client, settings
from common.revocations import revoke

F = TypeVar("F", bound=Callable[..., Any])

log = logging.getLogger(__name__)


def revokes_tokens(member_of: Callable[[Any, dict[str, Any]], uuid.UUID]) -> Callable[[F], F]:
    """Above ``@transactional``: once the view's writes are committed, the tokens of
    ``member_of(answer, view kwargs)`` issued until now stop working (their roles or
    account are no longer what they say). If Redis fails, they run to their expiry, as
    before revocations existed; the change itself stands."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            answer = view(*args, **kwargs)
            member_id = member_of(answer, kwargs)
            try:
                revoke(redis_client(), member_id, keep_seconds=settings().access_token_ttl)
            except RedisError as exc:
                log.error("the tokens of %s were not revoked: %s", member_id, exc)
            return answer

        return cast(F, wrapper)

    return decorator
