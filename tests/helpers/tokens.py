"""Signed access tokens for tests, as the gateway would issue them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from common.tokens import TokenSigner

TokenFactory = Callable[..., str]


def token_factory(signer: TokenSigner) -> TokenFactory:
    """``make(roles=[...], orgs=[...], user_id=..., username=...)``: a signed access token."""

    def make(
        roles: list[str] | tuple[str, ...] = ("member",),
        orgs: list[uuid.UUID] | tuple[uuid.UUID, ...] = (),
        user_id: uuid.UUID | None = None,
        username: str = "tester",
        **kwargs: Any,
    ) -> str:
        return signer.sign(user_id or uuid.uuid4(), username, roles, orgs, **kwargs)

    return make


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
