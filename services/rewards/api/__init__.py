"""The rewards service's HTTP API: one blueprint per area, mirroring ``usecases/``."""

from __future__ import annotations

from flask_smorest import Blueprint


def blueprints() -> list[Blueprint]:
    from services.rewards.api import admin, catalogue, inbox, redemptions, rounds, vouchers

    return [catalogue.blp, redemptions.blp, rounds.blp, vouchers.blp, admin.blp, inbox.blp]
