"""Invite codes: a coordinator's registration drive, many riders on one Wi-Fi.

A code lets ``uses`` registrations through until it expires, past the per-address
limit. A registration spends one use in its own transaction (an UPDATE that only
succeeds while uses are left), so concurrent registrations never overdraw a code and
a registration that fails gives its use back.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.errors import Forbidden, Invalid, NotFound
from common.tokens import Principal
from gateway.adapters.models import Invite

MAX_LIFETIME = timedelta(days=30)
MAX_USES = 1000


@dataclass(frozen=True)
class NewInvite:
    organization_id: uuid.UUID
    uses: int
    expires_at: datetime


def _new_code() -> str:
    # 80 random bits in base32: easy to type from paper, impossible to guess
    return base64.b32encode(secrets.token_bytes(10)).decode()


def create(session: Session, invite: NewInvite, principal: Principal) -> Invite:
    """A new code, by an admin or a coordinator of the organisation it registers for."""
    if not principal.is_admin and invite.organization_id not in principal.organization_ids:
        raise Forbidden("Coordinators invite for their own organisations only.")
    now = datetime.now(UTC)
    if not now < invite.expires_at <= now + MAX_LIFETIME:
        raise Invalid.field("expires_at", "Must be in the future, at most 30 days ahead.")
    created = Invite(
        id=uuid.uuid4(),
        code=_new_code(),
        organization_id=invite.organization_id,
        created_by=principal.id,
        uses=invite.uses,
        used=0,
        expires_at=invite.expires_at,
    )
    session.add(created)
    session.flush()
    return created


def redeem(session: Session, code: str) -> uuid.UUID:
    """Spend one use of a code; its id. ``Invalid`` when unknown, used up or expired."""
    spent: uuid.UUID | None = session.scalar(
        sa.update(Invite)
        .where(
            Invite.code == code.strip().upper(),
            Invite.used < Invite.uses,
            Invite.expires_at > sa.func.now(),
        )
        .values(used=Invite.used + 1)
        .returning(Invite.id)
    )
    if spent is None:
        raise Invalid.field("invite_code", "This invite code is unknown, used up or expired.")
    return spent


def find(session: Session, code: str, principal: Principal) -> Invite:
    """An invite its maker (or an admin) may print."""
    found = session.scalar(sa.select(Invite).where(Invite.code == code.strip().upper()))
    if found is None or not (principal.is_admin or found.created_by == principal.id):
        raise NotFound.of("invite")
    return found
