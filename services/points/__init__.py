"""The points service: accounts, the double-entry ledger, holds, earning rules, leaderboards."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from common.app import build_app


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    from services.points.api.balances import blp as balances

    return build_app("points", __name__, config, api_blueprints=[balances])
