"""The gateway's use cases: accounts, logins, token rotation, roles."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from common.problems import Problem
from common.tokens import TokenSigner
from gateway.adapters.models import RefreshToken, User
from gateway.domain.identity import (
    UnknownRole,
    canonical_username,
    hash_refresh_token,
    new_refresh_token,
    normalise_roles,
)

_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps a login's timing
# from telling which usernames are registered.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int

    def as_dict(self) -> dict[str, object]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
        }


def create_user(
    session: Session,
    username: str,
    password: str,
    display_name: str | None = None,
    roles: Iterable[str] = (),
) -> User:
    try:
        normalised = normalise_roles(roles)
    except UnknownRole as exc:
        raise Problem(422, "validation-error", str(exc), errors={"roles": [str(exc)]}) from exc
    user = User(
        id=uuid.uuid4(),
        username=username.strip(),
        username_key=canonical_username(username),
        display_name=(display_name or username).strip(),
        password_hash=_hasher.hash(password),
        roles=normalised,
        organization_ids=[],
    )
    session.add(user)
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Problem(409, "username-taken", f"The username {username!r} is taken.") from exc
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.scalar(sa.select(User).where(User.username_key == canonical_username(username)))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
        session.commit()
    return user


def issue_tokens(
    session: Session,
    signer: TokenSigner,
    user: User,
    refresh_ttl: int,
    family_id: uuid.UUID | None = None,
) -> TokenPair:
    refresh = new_refresh_token()
    session.add(
        RefreshToken(
            id=uuid.uuid4(),
            user_id=user.id,
            family_id=family_id or uuid.uuid4(),
            token_hash=hash_refresh_token(refresh),
            expires_at=datetime.now(UTC) + timedelta(seconds=refresh_ttl),
        )
    )
    session.commit()
    access = signer.sign(user.id, user.username, user.roles, user.organization_ids)
    return TokenPair(access, refresh, signer.ttl)


def rotate_refresh_token(
    session: Session, signer: TokenSigner, refresh_token: str, refresh_ttl: int
) -> TokenPair:
    """Spend a refresh token for a new pair; a token works once, and reuse revokes its family."""
    token_hash = hash_refresh_token(refresh_token)
    spent = session.execute(
        sa.update(RefreshToken)
        .where(
            RefreshToken.token_hash == token_hash,
            RefreshToken.used_at.is_(None),
            RefreshToken.revoked_at.is_(None),
            RefreshToken.expires_at > sa.func.now(),
        )
        .values(used_at=sa.func.now())
        .returning(RefreshToken.user_id, RefreshToken.family_id)
    ).first()
    if spent is None:
        reused = session.scalar(
            sa.select(RefreshToken.family_id).where(
                RefreshToken.token_hash == token_hash, RefreshToken.used_at.is_not(None)
            )
        )
        if reused is not None:
            session.execute(
                sa.update(RefreshToken)
                .where(RefreshToken.family_id == reused, RefreshToken.revoked_at.is_(None))
                .values(revoked_at=sa.func.now())
            )
        session.commit()
        raise Problem(401, "invalid-refresh-token", "The refresh token is not valid any more.")
    user = session.get(User, spent.user_id)
    if user is None:
        session.rollback()
        raise Problem(401, "invalid-refresh-token", "The refresh token is not valid any more.")
    return issue_tokens(session, signer, user, refresh_ttl, family_id=spent.family_id)


def set_roles(
    session: Session,
    user_id: uuid.UUID,
    roles: Iterable[str],
    organization_ids: Iterable[uuid.UUID],
) -> User:
    user = session.get(User, user_id, with_for_update=True)
    if user is None:
        raise Problem(404, "not-found", "There is no user with this id.")
    try:
        user.roles = normalise_roles(roles)
    except UnknownRole as exc:
        session.rollback()
        raise Problem(422, "validation-error", str(exc), errors={"roles": [str(exc)]}) from exc
    user.organization_ids = list(dict.fromkeys(organization_ids))
    session.commit()
    return user
