"""A member's notifications."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from common.app import session
from common.auth import require_auth
from common.pagination import keyset_page
from common.transaction import transactional
from services.rewards.adapters.models import Notification
from services.rewards.api.context import actor
from services.rewards.api.schemas import InboxArgs, InboxOut, MarkedOut, MarkRead, MarkReadIn
from services.rewards.usecases import notifications

blp = Blueprint("inbox", __name__, url_prefix="/api/v1", description="A member's notifications")


@blp.get("/me/notifications")
@require_auth
@blp.arguments(InboxArgs, location="query")
@blp.response(200, InboxOut)
def my_notifications(args: dict[str, Any]) -> dict[str, Any]:
    """The caller's notifications, newest first, with the number unread"""
    caller = actor()
    db = session()
    query = notifications.inbox_query(caller.id, args.pop("unread"))
    result = keyset_page(db, query, args, Notification.created_at, Notification.id, descending=True)
    english = not caller.speaks_chinese()
    result["items"] = [notifications.in_language(n, english) for n in result["items"]]
    result["unread"] = notifications.unread_count(db, caller.id)
    return result


@blp.post("/me/notifications/read")
@require_auth
@blp.arguments(MarkReadIn)
@blp.response(200, MarkedOut)
@transactional
def mark_read(command: MarkRead) -> dict[str, Any]:
    """Mark some of the caller's notifications read"""
    caller = actor()
    marked = notifications.mark_read(session(), caller.id, command.ids)
    return {"marked": marked, "unread": notifications.unread_count(session(), caller.id)}
