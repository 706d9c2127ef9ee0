"""Taking a batch of events off a queue: what every consumer does around its own work.

The relay sends one job per batch. A batch that fails because the store is away or
refuses the service's statements whatever the event (a missing grant, a column a pending
migration adds) fails whole, so that rq retries it as it was: parking its events would
mark them processed and never apply them. A batch that fails for any other reason (a bug
met by one event) is split: each event is tried on its own, and one that still fails is
parked with the error, so one poisonous event cannot hold back those it travelled with.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError, ProgrammingError

log = logging.getLogger(__name__)

Envelopes = list[dict[str, Any]]
Summary = dict[str, int]

STORE_FAILURES = (OperationalError, InterfaceError, ProgrammingError)


def consume(
    envelopes: Envelopes,
    apply: Callable[[Envelopes], Summary],
    park: Callable[[dict[str, Any], Exception], Summary],
) -> Summary:
    """``apply`` the batch (in its own unit of work); split it and ``park`` what fails alone."""
    try:
        return apply(envelopes)
    except STORE_FAILURES:
        raise
    except Exception as exc:
        if len(envelopes) == 1:
            log.exception("an event failed; parking it")
            return park(envelopes[0], exc)
        log.exception("a batch of %d events failed; taking them one by one", len(envelopes))
        totals: Counter[str] = Counter()
        for envelope in envelopes:
            totals.update(consume([envelope], apply, park))
        return dict(totals)
