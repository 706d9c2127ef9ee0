"""The volunteers service: organisations, members, hours, safety reports, check-ins, tasks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from common.app import build_app


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    from services.volunteers.api.organizations import blp as organizations

    return build_app("volunteers", __name__, config, api_blueprints=[organizations])
