"""Who is calling: the access token checked on every request, and role checks for views."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, current_app, g, request

from common.problems import Problem
from common.tokens import InvalidToken, Principal, TokenVerifier, bearer_token

F = TypeVar("F", bound=Callable[..., Any])

_UNAUTHENTICATED = {"WWW-Authenticate": 'Bearer realm="civic"'}
# set on a view that lets in fewer callers than a valid token does (roles, the service
# token; functools.wraps carries it to the decorators above):
# common/hot_reads.py refuses to answer such a view before Flask
NARROWS_CALLERS = "_narrows_callers"


def init_app(app: Flask, verifier: TokenVerifier) -> None:
    app.extensions["token_verifier"] = verifier


def current_principal() -> Principal:
    """The caller; a 401 problem when the request carries no valid access token."""
    principal: Principal | None = g.get("principal")
    if principal is not None:
        return principal
    verifier: TokenVerifier = current_app.extensions["token_verifier"]
    try:
        token = bearer_token(request.headers.get("Authorization"))
        if token is None:
            raise Problem(
                401, "unauthorized", "This needs an access token.", headers=_UNAUTHENTICATED
            )
        principal = verifier.verify(token)
    except InvalidToken as exc:
        raise Problem(
            401, "invalid-token", f"The access token is not valid: {exc}", headers=_UNAUTHENTICATED
        ) from exc
    g.principal = principal
    return principal


def require_auth(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        current_principal()
        return view(*args, **kwargs)

    return cast(F, wrapper)


def require_roles(*roles: str) -> Callable[[F], F]:
    """Only callers with one of ``roles`` (admins always) may use the view."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = current_principal()
            if not principal.has_role("admin", *roles):
                raise Problem(
                    403,
                    "forbidden",
                    f"This needs one of the roles: {', '.join(sorted({'admin', *roles}))}.",
                )
            return view(*args, **kwargs)

        setattr(wrapper, NARROWS_CALLERS, True)
        return cast(F, wrapper)

    return decorator


def require_service(view: F) -> F:
    """Internal endpoints: only other services of the suite, with the shared service token."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        expected: str = current_app.config["INTERNAL_API_TOKEN"]
        header = request.headers.get("Authorization", "")
        scheme, _, supplied = header.partition(" ")
        if (
            not expected
            or scheme != "Service"
            or not hmac.compare_digest(supplied.encode(), expected.encode())
        ):
            raise Problem(401, "unauthorized", "This internal endpoint needs a service credential.")
        return view(*args, **kwargs)

    setattr(wrapper, NARROWS_CALLERS, True)
    return cast(F, wrapper)
