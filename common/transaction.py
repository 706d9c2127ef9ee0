"""The one transaction rule of every app.

Use cases take a session and never commit. The boundary that called them commits
exactly once, when the use case returned, and rolls back when anything was raised:

- a view that writes is decorated with ``@transactional`` (``@idempotent`` views
  already are: the stored answer joins the same transaction);
- a job or a command runs its use case inside ``with unit_of_work(session):``.

So a write and the events it emits (outbox rows) commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, TypeVar, cast

from sqlalchemy.orm import Session

F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def unit_of_work(session: Session) -> Iterator[Session]:
    """Commit ``session`` when the block ends normally; roll it back when it raises."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()  # also when the commit itself failed
        raise


def transactional(view: F) -> F:
    """A view whose writes commit once it returns (and roll back if it raises)."""
    from common.app import session
    from common.db import mark_transactional

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        mark_transactional()  # a GET that writes gets a transaction too
        with unit_of_work(session()):
            return view(*args, **kwargs)

    return cast(F, wrapper)
