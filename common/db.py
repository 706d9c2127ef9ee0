"""SQLAlchemy 2 engine and session handling for one service's database.

A request (or a job) gets one session; the view or job decides when to commit.
Whatever is left uncommitted when the app context ends is rolled back, so an
error half way through a write leaves nothing behind.

What a request costs in round trips to PostgreSQL (docs/performance.md measures it):

- no ping when a connection leaves the pool (``pool_pre_ping`` costs one round trip
  per request): connections are recycled after ``pool_recycle`` seconds, and a request
  whose first statement meets a dead connection is run once more on a fresh one
  (``retry_on_dead_connection``), which is safe because nothing of it reached the server;
- a GET or HEAD reads in autocommit: no BEGIN before its statement and no ROLLBACK
  after it, one round trip for a one-statement read. Under READ COMMITTED each statement
  of a transaction takes a new snapshot anyway, so a read sees the same rows either way.
  A GET that writes or needs one snapshot is decorated ``@transactional`` or
  ``@needs_transaction``, and gets a transaction like any write.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, g, has_request_context, request
from sqlalchemy import MetaData, create_engine, event, text
from sqlalchemy.engine import Engine, ExceptionContext
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from common.errors import NotFound
from common.reads import Reads

Row = TypeVar("Row")
F = TypeVar("F", bound=Callable[..., Any])

READ_METHODS = frozenset({"GET", "HEAD"})
_SESSION = "_civic_db_session"
_TRANSACTION = "_civic_db_transaction"
_RETRYABLE = "_civic_db_retryable"
_USED = "civic_used"  # in a pooled connection's info: a statement went through since checkout

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(url: str, **kwargs: Any) -> Engine:
    options: dict[str, Any] = {
        "pool_size": 5,
        "max_overflow": 10,
        "pool_recycle": 1800,
        "connect_args": {"connect_timeout": 5},
        "hide_parameters": True,  # bound values (names, positions, text) stay out of logs
    }
    options.update(kwargs)
    return create_engine(url, **options)


class Database:
    """One service's engine and the session of the current app context."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self._writes: sessionmaker[Session] | None = None
        self._autocommit: sessionmaker[Session] | None = None
        self.reads: Reads | None = None  # the hot reads' own connections (common/reads.py)

    def init_app(self, app: Flask, url: str) -> None:
        self.engine = make_engine(url)
        _track_dead_connections(self.engine)
        reads = self.reads = Reads(url)
        # whoever disposes of the engine (a test, a worker shutting down) means these too
        event.listen(self.engine, "engine_disposed", lambda _engine: reads.close())
        self._writes = sessionmaker(self.engine, expire_on_commit=False)
        autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._autocommit = sessionmaker(autocommit, expire_on_commit=False)
        app.extensions["database"] = self

        @app.teardown_appcontext
        def _remove_session(exc: BaseException | None) -> None:
            self.discard()

    @property
    def session(self) -> Session:
        if self._writes is None or self._autocommit is None:
            raise RuntimeError("Database.init_app() has not been called")
        current: Session | None = g.get(_SESSION)
        if current is None:
            factory = self._autocommit if _reads_only() else self._writes
            current = factory()
            setattr(g, _SESSION, current)
        return current

    def discard(self) -> None:
        """Close the app context's session (rolling back what it left uncommitted)."""
        current: Session | None = g.pop(_SESSION, None)
        if current is not None:
            current.close()

    def ping(self) -> None:
        assert self.engine is not None
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))


def _reads_only() -> bool:
    return (
        has_request_context() and request.method in READ_METHODS and not g.get(_TRANSACTION, False)
    )


def mark_transactional() -> None:
    """The current request's session is to be a transaction, even for a GET."""
    if has_request_context():
        setattr(g, _TRANSACTION, True)


def needs_transaction(view: F) -> F:
    """A GET whose reads must share one transaction (one snapshot, a lock held to the end)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        mark_transactional()
        return view(*args, **kwargs)

    return cast(F, wrapper)


def _track_dead_connections(engine: Engine) -> None:
    """Mark a request retryable when its first statement met a connection the server closed."""

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, entry: ConnectionPoolEntry, proxy: Any) -> None:
        entry.info[_USED] = False

    @event.listens_for(engine, "after_cursor_execute")
    def _went_through(connection: Any, *args: Any) -> None:
        connection.info[_USED] = True

    @event.listens_for(engine, "handle_error")
    def _failed(context: ExceptionContext) -> None:
        connection = context.connection
        first = connection is not None and not connection.info.get(_USED, True)
        if context.is_disconnect and first and has_request_context():
            setattr(g, _RETRYABLE, True)


def retry_on_dead_connection(database: Database, call: Callable[[], Any]) -> Any:
    """``call()``, once more on a fresh connection when its first statement met a dead one.

    Nothing of the first attempt reached the server (its first statement failed), so
    running it again cannot do anything twice; the pool has invalidated every connection
    older than the dead one, so the second attempt connects anew.
    """
    try:
        return call()
    except DBAPIError as exc:
        if not (exc.connection_invalidated and g.pop(_RETRYABLE, False)):
            raise
    database.discard()
    return call()


def get_or_not_found(session: Session, model: type[Row], ident: Any, what: str) -> Row:
    """The ``model`` row with primary key ``ident``; ``NotFound`` naming ``what`` if none."""
    row = session.get(model, ident)
    if row is None:
        raise NotFound.of(what)
    return row


get_or_404 = get_or_not_found  # the former name, still imported by the services


def ensure_database(server_url: str, database_url: str) -> bool:
    """Create the database that ``database_url`` names when it is missing."""
    from sqlalchemy.engine import make_url

    target = make_url(database_url)
    admin = make_url(server_url).set(drivername="postgresql+psycopg", database="postgres")
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": target.database},
            ).scalar()
            if exists:
                return False
            connection.execute(text(f'CREATE DATABASE "{target.database}"'))
            return True
    finally:
        engine.dispose()


def drop_database(server_url: str, database: str) -> None:
    from sqlalchemy.engine import make_url

    admin = make_url(server_url).set(drivername="postgresql+psycopg", database="postgres")
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    finally:
        engine.dispose()
