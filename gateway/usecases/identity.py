"""Accounts, logins, token rotation, roles: the use cases behind ``gateway.api.identity``."""

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

from common.errors import Conflict, Invalid, NotFound, Unauthenticated
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
class NewAccount:
    username: str
    password: str
    display_name: str | None = None
    roles: tuple[str, ...] = ()
    invite_code: str | None = None


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str


@dataclass(frozen=True)
class Refresh:
    refresh_token: str


@dataclass(frozen=True)
class RoleGrant:
    roles: tuple[str, ...]
    organization_ids: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"


class RefreshRefused(Unauthenticated):
    """The refresh token is spent, revoked, expired or unknown.

    Raised only after what it wrote (a reused token's family revoked) was committed:
    see :func:`rotate_refresh_token`."""

    def __init__(self) -> None:
        super().__init__("The refresh token is not valid any more.", kind="invalid-refresh-token")


def _roles(roles: Iterable[str]) -> list[str]:
    try:
        return normalise_roles(roles)
    except UnknownRole as exc:
        raise Invalid.field("roles", str(exc)) from exc


def create_user(session: Session, account: NewAccount, invite_id: uuid.UUID | None = None) -> User:
    user = User(
        id=uuid.uuid4(),
        username=account.username.strip(),
        username_key=canonical_username(account.username),
        display_name=(account.display_name or account.username).strip(),
        password_hash=_hasher.hash(account.password),
        roles=_roles(account.roles),
        organization_ids=[],
        invite_id=invite_id,
    )
    session.add(user)
    try:
        # the unique index decides between two registrations of one name at once
        session.flush()
    except IntegrityError as exc:
        raise Conflict(
            f"The username {account.username!r} is taken.", kind="username-taken"
        ) from exc
    return user


def authenticate(session: Session, credentials: Credentials) -> User | None:
    user = session.scalar(
        sa.select(User).where(User.username_key == canonical_username(credentials.username))
    )
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, credentials.password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(credentials.password)
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
    access = signer.sign(user.id, user.username, user.roles, user.organization_ids)
    return TokenPair(access, refresh, signer.ttl)


def rotate_refresh_token(
    session: Session, signer: TokenSigner, refresh: Refresh, refresh_ttl: int
) -> TokenPair | None:
    """Spend a refresh token for a new pair; a token works once, and reuse revokes its family.

    ``None`` when the token is refused. It does not raise then, because its boundary must
    commit the revoked family before it answers 401 (a raise would roll that back)."""
    token_hash = hash_refresh_token(refresh.refresh_token)
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
        _revoke_family_of_reused(session, token_hash)
        return None
    user = session.get(User, spent.user_id)
    if user is None:
        return None
    return issue_tokens(session, signer, user, refresh_ttl, family_id=spent.family_id)


def _revoke_family_of_reused(session: Session, token_hash: bytes) -> None:
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


def set_roles(session: Session, user_id: uuid.UUID, grant: RoleGrant) -> User:
    user = session.get(User, user_id, with_for_update=True)
    if user is None:
        raise NotFound.of("user")
    user.roles = _roles(grant.roles)
    user.organization_ids = list(dict.fromkeys(grant.organization_ids))
    return user


def account_of(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("This account no longer exists.")
    return user
