"""The hot reads' own path to PostgreSQL: one statement on a connection kept per thread.

A member's balance, a page of transfers, the rewards list: each is one or two SELECTs
in autocommit, read thousands of times a minute when a campaign opens. Through an ORM
session each one paid for the session, the pool's checkout and return, SQLAlchemy's
execution context and result set-up: about 240 us of CPU around a statement that psycopg
alone sends for 67 us (docs/performance.md, "Reads without a session").

So a hot read runs here instead: a psycopg connection in autocommit, opened the first
time a thread reads and kept by that thread (gunicorn's threads live as long as their
worker), sending its statement (psycopg prepares it server-side on its fifth use), one
round trip. Reads only: anything that writes, locks or needs one snapshot for several
statements goes through the session and its transaction (common/db.py).

A connection the server closed (a restart, an idle timeout, pg_terminate_backend) is
opened anew and the statement sent once more: a SELECT in autocommit changes nothing,
so sending it twice is always safe.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any, LiteralString, Protocol, TypeVar

import psycopg
from psycopg.rows import TupleRow
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

Params = Mapping[str, Any] | Sequence[Any] | None
T = TypeVar("T")
ConnectionHook = Callable[[psycopg.Connection[TupleRow]], None]


def libpq_url(database_url: str) -> str:
    """A SQLAlchemy URL (``postgresql+psycopg://...``) as libpq reads it."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class Reads:
    """One service's read connections: one per thread, opened when that thread first reads."""

    def __init__(self, database_url: str, *, connect_timeout: int = 5) -> None:
        self._url = libpq_url(database_url)
        self._connect_timeout = connect_timeout
        self._local = threading.local()
        # every connection opened and not yet closed, so that close() reaches the ones
        # other threads hold (tests trace them too)
        self._opened: weakref.WeakSet[psycopg.Connection[TupleRow]] = weakref.WeakSet()
        self._lock = threading.Lock()
        self.on_connect: list[ConnectionHook] = []

    def one(self, sql: LiteralString, params: Params = None) -> tuple[Any, ...] | None:
        """The first row of ``sql``'s answer (None when it has none)."""
        return self._run(sql, params, lambda cursor: cursor.fetchone())

    def all(self, sql: LiteralString, params: Params = None) -> list[tuple[Any, ...]]:
        """Every row of ``sql``'s answer."""
        return self._run(sql, params, lambda cursor: cursor.fetchall())

    def connections(self) -> list[psycopg.Connection[TupleRow]]:
        with self._lock:
            return [c for c in self._opened if not c.closed]

    def close(self) -> None:
        """Close every thread's connection (the next read of each thread opens a new one)."""
        for connection in self.connections():
            connection.close()

    def _run(
        self,
        sql: LiteralString,
        params: Params,
        fetch: Callable[[psycopg.Cursor[TupleRow]], T],
    ) -> T:
        connection = self._connection()
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return fetch(cursor)
        except psycopg.OperationalError:
            if not connection.closed and not connection.broken:
                raise  # the statement failed, not the connection: sending it again won't help
        with self._connection().cursor() as cursor:  # a fresh one, and the statement once more
            cursor.execute(sql, params)
            return fetch(cursor)

    def _connection(self) -> psycopg.Connection[TupleRow]:
        held: _Held | None = getattr(self._local, "held", None)
        connection = held.connection if held is not None else None
        if connection is not None and not connection.closed and not connection.broken:
            return connection
        if connection is not None:
            connection.close()
        connection = psycopg.connect(
            self._url, autocommit=True, connect_timeout=self._connect_timeout
        )
        for hook in self.on_connect:
            hook(connection)
        with self._lock:
            self._opened.add(connection)
        self._local.held = _Held(connection)
        return connection


class _Held:
    """A thread's connection, closed when the thread ends and its locals go: a server that
    starts a thread per request (werkzeug's, in tests and development) would otherwise
    leave each one to the garbage collector, open."""

    __slots__ = ("connection",)

    def __init__(self, connection: psycopg.Connection[TupleRow]) -> None:
        self.connection = connection

    def __del__(self) -> None:
        self.connection.close()


class Rows(Protocol):
    """Where a use case's plain SELECT runs: ``Reads`` for a GET, ``SessionRows`` inside a
    transaction (a write that answers with what it just wrote must read through it)."""

    def one(self, sql: LiteralString, params: Params = None) -> tuple[Any, ...] | None: ...

    def all(self, sql: LiteralString, params: Params = None) -> list[tuple[Any, ...]]: ...


class SessionRows:
    """The same SELECTs on a session's connection, inside its transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def one(self, sql: LiteralString, params: Params = None) -> tuple[Any, ...] | None:
        row = self.session.connection().exec_driver_sql(sql, params).first()
        return None if row is None else tuple(row)

    def all(self, sql: LiteralString, params: Params = None) -> list[tuple[Any, ...]]:
        result = self.session.connection().exec_driver_sql(sql, params)
        return [tuple(row) for row in result]
