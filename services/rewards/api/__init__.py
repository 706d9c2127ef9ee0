"""The rewards service's HTTP API: one blueprint per area, mirroring ``usecases/``."""

from __future__ import annotations

from flask_smorest import Blueprint


def blueprints() -> list[Blueprint]:
    from services.rewards.api import admin, catalogue, inbox, redemptions, vouchers

    return [catalogue.blp, redemptions.blp, vouchers.blp, admin.blp, inbox.blp]
