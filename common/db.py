"""SQLAlchemy 2 engine and session handling for one service's database.

A request (or a job) gets one session; the view or job decides when to commit.
Whatever is left uncommitted when the app context ends is rolled back, so an
error half way through a write leaves nothing behind.
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask import Flask
from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from common.errors import NotFound

Row = TypeVar("Row")

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
        "pool_pre_ping": True,
        "pool_size": 5,
        "max_overflow": 10,
        "pool_recycle": 1800,
        "connect_args": {"connect_timeout": 5},
        "hide_parameters": True,  # bound values (names, positions, text) stay out of logs
    }
    options.update(kwargs)
    return create_engine(url, **options)


class Database:
    """One service's engine and its app-context-scoped session."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self._factory: sessionmaker[Session] | None = None
        self._scoped: scoped_session[Session] | None = None

    def init_app(self, app: Flask, url: str) -> None:
        from flask import g

        self.engine = make_engine(url)
        self._factory = sessionmaker(self.engine, expire_on_commit=False)
        self._scoped = scoped_session(self._factory, scopefunc=lambda: id(g._get_current_object()))
        app.extensions["database"] = self

        @app.teardown_appcontext
        def _remove_session(exc: BaseException | None) -> None:
            assert self._scoped is not None
            self._scoped.remove()

    @property
    def session(self) -> Session:
        if self._scoped is None:
            raise RuntimeError("Database.init_app() has not been called")
        return self._scoped()

    def ping(self) -> None:
        assert self.engine is not None
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))


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
