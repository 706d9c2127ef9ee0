"""The rewards service: the catalogue, stock, eligibility, redemptions and their approval."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from common.app import build_app


def _configure(app: Flask) -> None:
    from services.rewards.adapters.points import PointsClient
    from services.rewards.config import RewardsConfig

    settings = app.config["SETTINGS"]
    config = RewardsConfig.from_env(
        settings.extra, settings.service_urls["points"], settings.internal_api_token
    )
    app.extensions["rewards_config"] = config
    app.extensions["points_client"] = PointsClient(
        config.points_url, config.internal_api_token, config.points_timeout
    )


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    from services.rewards.api import blueprints

    return build_app("rewards", __name__, config, api_blueprints=blueprints(), on_ready=_configure)
