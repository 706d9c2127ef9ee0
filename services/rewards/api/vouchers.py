"""Vouchers, as a provider or an administrator checks and uses them."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from common.app import session
from common.auth import require_auth
from services.rewards.api.context import actor
from services.rewards.api.schemas import VoucherOut
from services.rewards.usecases import vouchers

blp = Blueprint("vouchers", __name__, url_prefix="/api/v1", description="Vouchers")


@blp.get("/vouchers/<string:code>")
@require_auth
@blp.response(200, VoucherOut)
def check_voucher(code: str) -> dict[str, Any]:
    """Whether a voucher is valid, used or cancelled, and for which reward"""
    return vouchers.check(session(), actor(), code)


@blp.post("/vouchers/<string:code>/redeem")
@require_auth
@blp.response(200, VoucherOut)
def redeem_voucher(code: str) -> dict[str, Any]:
    """Use a voucher, once (409 after): its request is fulfilled"""
    return vouchers.redeem(session(), actor(), code)
