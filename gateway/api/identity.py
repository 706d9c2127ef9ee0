"""Identity endpoints: register, token, refresh, me, roles."""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app, request
from flask_smorest import Blueprint

from common.app import redis_client, session, settings
from common.auth import current_principal, require_auth, require_roles
from common.problems import Problem
from common.ratelimit import Limit, RateLimiter
from gateway import services
from gateway.adapters.models import User
from gateway.api.schemas import (
    LoginSchema,
    RefreshSchema,
    RegisterSchema,
    RolesSchema,
    TokenPairSchema,
    UserSchema,
)
from gateway.domain.identity import canonical_username

blp = Blueprint("identity", __name__, url_prefix="/api/v1", description="Accounts and tokens")


def _limit(name: str, setting: str, default: int, window_setting: str, window: int) -> Limit:
    extra = settings().extra
    return Limit(
        name, int(extra.get(setting, str(default))), int(extra.get(window_setting, str(window)))
    )


def _client_address() -> str:
    return request.remote_addr or "unknown"


@blp.post("/auth/register")
@blp.arguments(RegisterSchema)
@blp.response(201, UserSchema)
def register(data: dict[str, Any]) -> User:
    """Create a member account"""
    limiter = RateLimiter(redis_client())
    per_address = (
        _limit(
            "register-address", "REGISTER_LIMIT_PER_ADDRESS", 20, "REGISTER_WINDOW_SECONDS", 3600
        ),
        _client_address(),
    )
    limiter.enforce(
        [per_address],
        "too-many-registrations",
        "Too many accounts were made from this address; try again in {wait} seconds.",
    )
    limiter.record(*per_address)
    return services.create_user(session(), data["username"], data["password"], data["display_name"])


@blp.post("/auth/token")
@blp.arguments(LoginSchema)
@blp.response(200, TokenPairSchema)
def token(data: dict[str, Any]) -> dict[str, object]:
    """Log in with a username and password"""
    limiter = RateLimiter(redis_client())
    subjects = (
        (
            _limit("login-account", "LOGIN_LIMIT_PER_ACCOUNT", 10, "LOGIN_WINDOW_SECONDS", 300),
            canonical_username(data["username"]),
        ),
        (
            _limit("login-address", "LOGIN_LIMIT_PER_ADDRESS", 50, "LOGIN_WINDOW_SECONDS", 300),
            _client_address(),
        ),
    )
    limiter.enforce(
        subjects, "too-many-login-attempts", "Too many failed logins; try again in {wait} seconds."
    )
    user = services.authenticate(session(), data["username"], data["password"])
    if user is None:
        for limit, subject in subjects:
            limiter.record(limit, subject)
        raise Problem(401, "invalid-credentials", "The username or password is wrong.")
    limiter.reset(*subjects[0])
    s = settings()
    return services.issue_tokens(
        session(), current_app.extensions["token_signer"], user, s.refresh_token_ttl
    ).as_dict()


@blp.post("/auth/refresh")
@blp.arguments(RefreshSchema)
@blp.response(200, TokenPairSchema)
def refresh(data: dict[str, Any]) -> dict[str, object]:
    """Trade a refresh token (once) for a new token pair"""
    return services.rotate_refresh_token(
        session(),
        current_app.extensions["token_signer"],
        data["refresh_token"],
        settings().refresh_token_ttl,
    ).as_dict()


@blp.get("/me")
@require_auth
@blp.response(200, UserSchema)
def me() -> User:
    """The caller's account"""
    user = session().get(User, current_principal().id)
    if user is None:
        raise Problem(404, "not-found", "This account no longer exists.")
    return user


@blp.put("/users/<uuid:user_id>/roles")
@require_roles("admin")
@blp.arguments(RolesSchema)
@blp.response(200, UserSchema)
def set_roles(data: dict[str, Any], user_id: uuid.UUID) -> User:
    """Set a user's roles and the organisations a coordinator acts on (admin)"""
    return services.set_roles(session(), user_id, data["roles"], data["organization_ids"])
