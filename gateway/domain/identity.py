"""Identity rules of the suite: roles, usernames, passwords, refresh tokens. No Flask here."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable

ROLES = ("member", "rider", "party_member", "coordinator", "reward_admin", "admin")
BASE_ROLE = "member"

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,39}$")
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256


class UnknownRole(ValueError):
    def __init__(self, roles: Iterable[str]) -> None:
        self.roles = sorted(roles)
        super().__init__(f"unknown roles: {', '.join(self.roles)}")


def normalise_roles(roles: Iterable[str]) -> list[str]:
    """Every user is a member; the rest must be known roles. Sorted, without repeats."""
    wanted = set(roles)
    unknown = wanted.difference(ROLES)
    if unknown:
        raise UnknownRole(unknown)
    wanted.add(BASE_ROLE)
    return sorted(wanted, key=ROLES.index)


def canonical_username(username: str) -> str:
    """Names are unique regardless of case: 'Alice' and 'alice' are one account."""
    return username.strip().lower()


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> bytes:
    """Refresh tokens are long random strings: a fast hash is enough to keep them unreadable."""
    return hashlib.sha256(token.encode()).digest()
