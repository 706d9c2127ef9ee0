"""The points database as the role that ran its migrations, for tests that look under the
API: read what the service wrote, or change what the service's own role may not."""

from __future__ import annotations

import os

import sqlalchemy as sa

from common.settings import database_url_for

_engines: list[sa.Engine] = []


def points_engine() -> sa.Engine:
    """This test session's points database (its name has the session's DB_PREFIX)."""
    if not _engines:
        url = database_url_for(os.environ["DATABASE_URL"], os.environ["DB_PREFIX"] + "points")
        _engines.append(sa.create_engine(url, pool_size=2))
    return _engines[0]


def dispose() -> None:
    while _engines:
        _engines.pop().dispose()
