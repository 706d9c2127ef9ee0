"""The rewards service: the catalogue, stock, eligibility, redemptions and their approval."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from common.app import build_app


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    from services.rewards.api.catalogue import blp as catalogue

    return build_app("rewards", __name__, config, api_blueprints=[catalogue])
