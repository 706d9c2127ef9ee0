"""A member's request to be deleted, and an admin completing it.

Completing anonymises the account here (the name becomes a tombstone, no password or
refresh token works any more) and emits ``member.deleted`` in the same transaction, so
the other services anonymise what they hold. The member's id stays: the ledger, the
reports and the audit log keep their integrity under it, and it names nobody once the
name is gone.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.errors import NotFound
from common.outbox import emit
from common.pagination import keyset_page
from gateway.adapters.models import DeletionRequest, RefreshToken, User, plumbing
from suite.events import MemberDeleted

REQUESTED, COMPLETED = "requested", "completed"
# what an anonymised account's password hash is: no password ever verifies against it
NO_PASSWORD = "!deleted"


def request(session: Session, user_id: uuid.UUID) -> DeletionRequest:
    """The member's open request (a second ask answers the same one)."""
    open_request = session.scalar(
        sa.select(DeletionRequest).where(
            DeletionRequest.user_id == user_id, DeletionRequest.status == REQUESTED
        )
    )
    if open_request is not None:
        return open_request
    if session.get(User, user_id) is None:
        raise NotFound("This account no longer exists.")
    created = DeletionRequest(id=uuid.uuid4(), user_id=user_id, status=REQUESTED)
    session.add(created)
    session.flush()
    return created


def listed(session: Session, status: str | None, args: dict[str, Any]) -> dict[str, Any]:
    query = sa.select(DeletionRequest).order_by(DeletionRequest.requested_at, DeletionRequest.id)
    if status is not None:
        query = query.where(DeletionRequest.status == status)
    return keyset_page(session, query, args, DeletionRequest.requested_at, DeletionRequest.id)


def complete(session: Session, request_id: uuid.UUID, *, actor: uuid.UUID) -> DeletionRequest:
    """Anonymise the account and tell the other services; completing twice changes nothing."""
    found = session.get(DeletionRequest, request_id, with_for_update=True)
    if found is None:
        raise NotFound.of("deletion request")
    if found.status == COMPLETED:
        return found
    user = session.get(User, found.user_id, with_for_update=True)
    assert user is not None  # a foreign key
    tombstone = f"deleted-{secrets.token_hex(8)}"
    user.username = user.username_key = user.display_name = tombstone
    user.password_hash = NO_PASSWORD
    user.roles, user.organization_ids = [], []
    user.deleted_at = datetime.now(UTC)
    session.execute(sa.delete(RefreshToken).where(RefreshToken.user_id == user.id))
    found.status, found.completed_by, found.completed_at = COMPLETED, actor, user.deleted_at
    found.tombstone = tombstone
    emit(session, plumbing.outbox, MemberDeleted(user.id, tombstone).event(user.id))
    session.flush()
    return found
