"""Administration: the audit log and the export of redemptions."""

from __future__ import annotations

from typing import Any

from flask import Response, stream_with_context
from flask_smorest import Blueprint

from common.app import session
from common.auth import require_auth
from common.db import needs_transaction
from common.pagination import decode_cursor, page, page_of
from services.rewards.api.context import actor
from services.rewards.api.schemas import AuditArgs, AuditOut, ExportArgs
from services.rewards.usecases import audit, export

blp = Blueprint("admin", __name__, url_prefix="/api/v1", description="Audit log and export")


@blp.get("/audit")
@require_auth
@blp.arguments(AuditArgs, location="query")
@blp.response(200, page_of(AuditOut))
def audit_log(args: dict[str, Any]) -> dict[str, Any]:
    """Every administrator action from ``since`` on, oldest first (reward_admin, admin)"""
    after = decode_cursor(args["cursor"], int)
    entries = audit.entries_since(
        session(), actor(), args["since"], after[0] if after else None, args["limit"] + 1
    )
    return page(entries, args["limit"], lambda entry: [entry.id])


@blp.get("/redemptions/export.csv")
@require_auth
@needs_transaction  # streamed through a server-side cursor, which lives in a transaction
@blp.arguments(ExportArgs, location="query")
@blp.response(200, content_type="text/csv")
def export_redemptions(args: dict[str, Any]) -> Response:
    """Redemptions made in [from, to) as CSV, streamed; no personal ID numbers (reward_admin)"""
    # the role is checked here, before the answer starts; the rows follow as they come
    rows = export.export_rows(session(), actor(), args["start"], args["end"])
    return Response(
        stream_with_context(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="redemptions.csv"'},
    )
