"""The points service: accounts, the double-entry ledger, holds, earning rules, leaderboards."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask import Flask

from common.app import build_app
from common.settings import ConfigurationError
from services.points.config import PointsConfig


def _run_as_role(engine: sa.Engine, role: str) -> None:
    """Every connection of the service runs as ``role`` (no UPDATE/DELETE on the journal),
    when the login role may become it; otherwise the login role's privileges stay."""

    @sa.event.listens_for(engine, "connect")
    def _set_role(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(
                "SELECT pg_has_role(current_user, oid, 'MEMBER') FROM pg_roles WHERE rolname = %s",
                (role,),
            )
            row = cursor.fetchone()
            if row and row[0]:
                cursor.execute(f'SET ROLE "{role}"')
        finally:
            cursor.close()
        dbapi_connection.commit()


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    from services.points import cli
    from services.points.api.adjustments import blp as adjustments
    from services.points.api.balances import blp as balances
    from services.points.api.internal import blp as internal
    from services.points.api.rules import blp as rules

    app = build_app(
        "points", __name__, config, api_blueprints=[balances, adjustments, rules, internal]
    )
    if not app.config["INTERNAL_API_TOKEN"]:
        # the holds API would refuse every caller: better not to start at all
        raise ConfigurationError(
            "INTERNAL_API_TOKEN (or INTERNAL_API_TOKEN_FILE) is not set: the rewards service "
            "places holds with it; `make run` generates one under var/keys/"
        )
    settings = app.config["SETTINGS"]
    points_config = dataclasses.replace(
        PointsConfig.from_env({**settings.extra, **dict(config or {})}),
        district_timezone=settings.district_timezone,
    )
    app.extensions["points_config"] = points_config
    if points_config.db_role:
        _run_as_role(app.extensions["database"].engine, points_config.db_role)
    cli.init_app(app)
    return app
