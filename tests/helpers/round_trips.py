"""What an app sends to PostgreSQL during a block, read from libpq's own trace.

SQLAlchemy's events say what SQLAlchemy meant to do; psycopg then decides what goes on
the wire (an implicit ``BEGIN`` before the first statement of a transaction, nothing for
a rollback when no transaction is open). libpq's trace is the wire itself: every
simple ``Query`` and every ``Sync`` of the extended protocol that executes something is
one round trip.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg.pq
import sqlalchemy as sa
from sqlalchemy import event


class RoundTrips(list[str]):
    """One label per round trip: the simple query's text, or the first words of a statement."""

    def __str__(self) -> str:
        return "\n".join(f"{n}. {label}" for n, label in enumerate(self, 1))


def _label(sql: str) -> str:
    words = " ".join(sql.replace('"', " ").split())
    return words[:70]


def _parse(trace: str) -> RoundTrips:
    trips = RoundTrips()
    pending: str | None = None
    messages: list[str] = []
    for line in trace.splitlines():  # a statement's text may span lines
        if line.startswith(("F\t", "B\t")) or not messages:
            messages.append(line)
        else:
            messages[-1] += " " + line
    executes = False
    for message in messages:
        parts = message.split("\t")
        if len(parts) < 3 or parts[0] != "F":
            continue
        kind, rest = parts[2], "\t".join(parts[3:]).strip()
        if kind == "Query":
            text = _label(rest.strip('"').rstrip(";")) or ";"
            # psycopg empties its cache of prepared statements now and then (when a
            # rolled back transaction may have lost one): its housekeeping, not the request's
            if not text.startswith("DEALLOCATE"):
                trips.append(text)
        elif kind == "Parse":
            pending = _label(rest.split(" ", 1)[1].split(" \\x", 1)[0] if " " in rest else rest)
        elif kind == "Bind" and pending is None:
            pending = f"prepared statement {rest.split(' ')[1]}"
        elif kind == "Execute":
            executes = True
        elif kind == "Sync":
            # psycopg prepares a statement on its fifth use on a connection, in a round trip
            # of its own that executes nothing: a one-off per connection, left out
            if executes:
                trips.append(pending or "sync")
            pending, executes = None, False
    return trips


@contextmanager
def round_trips(app: Any) -> Iterator[RoundTrips]:
    """The round trips ``app``'s engine and its hot reads' connections (common/reads.py)
    make during the block (filled in when it ends)."""
    database = app.extensions["database"]
    engine: sa.Engine = database.engine
    trips = RoundTrips()
    with tempfile.TemporaryFile("w+") as out:
        traced: list[Any] = []

        def start(dbapi_connection: Any, *args: Any) -> None:
            dbapi_connection.pgconn.trace(out.fileno())
            dbapi_connection.pgconn.set_trace_flags(
                psycopg.pq.Trace.SUPPRESS_TIMESTAMPS | psycopg.pq.Trace.REGRESS_MODE
            )
            traced.append(dbapi_connection)

        event.listen(engine, "checkout", start)
        for connection in database.reads.connections():
            start(connection)
        database.reads.on_connect.append(start)
        try:
            yield trips
        finally:
            event.remove(engine, "checkout", start)
            database.reads.on_connect.remove(start)
            for dbapi_connection in traced:
                if not dbapi_connection.closed:
                    dbapi_connection.pgconn.untrace()
            out.flush()
            trips.extend(_parse(Path(f"/proc/self/fd/{out.fileno()}").read_text()))


def assert_round_trips(trips: RoundTrips, expected: int, *, reads_only: bool = False) -> None:
    """Exactly ``expected`` round trips: one more (or one less) is a change to look at."""
    assert len(trips) == expected, f"{len(trips)} round trips, expected {expected}:\n{trips}"
    if reads_only:
        opened = [t for t in trips if t.split(" ")[0] in {"BEGIN", "COMMIT", "ROLLBACK", ";"}]
        assert not opened, f"a read opened a transaction or pinged:\n{trips}"
