"""The test session's databases: one per app, named ``t<pid>_<app>`` on DATABASE_URL's server."""

from __future__ import annotations

import os

import sqlalchemy as sa

from common.settings import database_url_for

PREFIX = f"t{os.getpid()}_"

_engines: dict[str, sa.Engine] = {}


def service_database_url(app_name: str) -> str:
    return database_url_for(os.environ["DATABASE_URL"], PREFIX + app_name)


def engine_for(app_name: str) -> sa.Engine:
    """A small engine on ``app_name``'s test database (one per app, kept for the session)."""
    if app_name not in _engines:
        _engines[app_name] = sa.create_engine(service_database_url(app_name), pool_size=2)
    return _engines[app_name]


def dispose_engines() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


def truncate_all(app_name: str) -> None:
    """Empty every table of ``app_name``'s database but Alembic's."""
    with engine_for(app_name).begin() as connection:
        tables = (
            connection.execute(
                sa.text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'"
                )
            )
            .scalars()
            .all()
        )
        if tables:
            names = ", ".join(f'"{t}"' for t in tables)
            connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
