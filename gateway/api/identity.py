"""Identity endpoints: register, token, refresh, me, roles."""

from __future__ import annotations

import uuid

from flask import current_app, request
from flask_smorest import Blueprint

from common.app import redis_client, session, settings
from common.auth import current_principal, require_auth, require_roles
from common.errors import Unauthenticated
from common.ratelimit import Limit, RateLimiter
from common.tokens import TokenSigner
from common.transaction import transactional, unit_of_work
from gateway.adapters.models import User
from gateway.api.revoking import revokes_tokens
from gateway.api.schemas import (
    LoginSchema,
    RefreshSchema,
    RegisterSchema,
    RolesSchema,
    TokenPairSchema,
    UserSchema,
)
from gateway.domain.identity import canonical_username
from gateway.usecases import identity, invites, logins
from gateway.usecases.identity import (
    Credentials,
    NewAccount,
    Refresh,
    RefreshRefused,
    RoleGrant,
    TokenPair,
)

blp = Blueprint("identity", __name__, url_prefix="/api/v1", description="Accounts and tokens")


def _limit(name: str, setting: str, default: int, window_setting: str, window: int) -> Limit:
    extra = settings().extra
    return Limit(
        name, int(extra.get(setting, str(default))), int(extra.get(window_setting, str(window)))
    )


def _client_address() -> str:
    return request.remote_addr or "unknown"


def _signer() -> TokenSigner:
    signer: TokenSigner = current_app.extensions["token_signer"]
    return signer


@blp.post("/auth/register")
@blp.arguments(RegisterSchema)
@blp.response(201, UserSchema)
@transactional
def register(account: NewAccount) -> User:
    """Create a member account (with a coordinator's invite code: past the per-address limit)"""
    invite_id = None
    if account.invite_code is not None:
        # a code's own uses bound a drive; one that does not work is no free pass
        invite_id = invites.redeem(session(), account.invite_code)
    else:
        limiter = RateLimiter(redis_client())
        per_address = (
            _limit(
                "register-address",
                "REGISTER_LIMIT_PER_ADDRESS",
                20,
                "REGISTER_WINDOW_SECONDS",
                3600,
            ),
            _client_address(),
        )
        limiter.enforce(
            [per_address],
            "too-many-registrations",
            "Too many accounts were made from this address; try again in {wait} seconds.",
        )
        limiter.record(*per_address)
    return identity.create_user(session(), account, invite_id)


@blp.post("/auth/token")
@blp.arguments(LoginSchema)
@blp.response(200, TokenPairSchema)
@transactional
def token(credentials: Credentials) -> TokenPair:
    """Log in with a username and password"""
    limiter = RateLimiter(redis_client())
    per_address = (
        _limit("login-address", "LOGIN_LIMIT_PER_ADDRESS", 50, "LOGIN_WINDOW_SECONDS", 300),
        _client_address(),
    )
    limiter.enforce(
        [per_address],
        "too-many-login-attempts",
        "Too many failed logins; try again in {wait} seconds.",
    )
    account = canonical_username(credentials.username)
    guesses = logins.counter(redis_client(), settings().extra)
    logins.let_guess(guesses, account)  # counted before the password is checked
    user = identity.authenticate(session(), credentials)
    if user is None:
        limiter.record(*per_address)
        raise Unauthenticated("The username or password is wrong.", kind="invalid-credentials")
    guesses.clear(account)
    return identity.issue_tokens(session(), _signer(), user, settings().refresh_token_ttl)


@blp.post("/auth/refresh")
@blp.arguments(RefreshSchema)
@blp.response(200, TokenPairSchema)
def refresh(command: Refresh) -> TokenPair:
    """Trade a refresh token (once) for a new token pair"""
    # not @transactional: a refused token still commits (a reused one revokes its family)
    with unit_of_work(session()):
        pair = identity.rotate_refresh_token(
            session(), _signer(), command, settings().refresh_token_ttl
        )
    if pair is None:
        raise RefreshRefused()
    return pair


@blp.get("/me")
@require_auth
@blp.response(200, UserSchema)
def me() -> User:
    """The caller's account"""
    return identity.account_of(session(), current_principal().id)


@blp.put("/users/<uuid:user_id>/roles")
@require_roles("admin")
@blp.arguments(RolesSchema)
@blp.response(200, UserSchema)
@revokes_tokens(lambda user, kwargs: kwargs["user_id"])
@transactional
def set_roles(grant: RoleGrant, user_id: uuid.UUID) -> User:
    """Set a user's roles and the organisations a coordinator acts on (admin)"""
    return identity.set_roles(session(), user_id, grant)
