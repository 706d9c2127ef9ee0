"""The volunteers service: organisations, members, hours, safety reports, check-ins, tasks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from common.app import build_app


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    from services.volunteers.api import blueprints
    from services.volunteers.api.errors import register_error_handlers
    from services.volunteers.config import VolunteersConfig

    def configure(app: Flask) -> None:
        app.extensions["volunteers_config"] = VolunteersConfig.from_settings(
            app.config["SETTINGS"], config or {}
        )
        register_error_handlers(app)

    return build_app(
        "volunteers", __name__, config, api_blueprints=blueprints(), on_ready=configure
    )
