"""Who is acting: the caller a use case acts for, and the checks of their roles."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from common.errors import Forbidden

ADMIN_ROLES = frozenset({"reward_admin", "admin"})


@dataclass(frozen=True)
class Actor:
    """The signed-in caller: who, with which roles, reading which language."""

    id: uuid.UUID
    roles: frozenset[str]
    language: str = "zh-CN"

    @property
    def is_system(self) -> bool:
        """The service's own jobs (no token ever carries the nil id)."""
        return self.id.int == 0 and "system" in self.roles

    @property
    def is_reward_admin(self) -> bool:
        return bool(self.roles & ADMIN_ROLES) or self.is_system

    @property
    def is_provider(self) -> bool:
        return "provider" in self.roles

    def require_reward_admin(self) -> None:
        if not self.is_reward_admin:
            raise Forbidden("This needs one of the roles: admin, reward_admin.")

    def speaks_chinese(self) -> bool:
        return self.language.lower().startswith("zh")


# the actor of work nobody asked for at that moment (the reconciling and closing jobs)
SYSTEM = Actor(uuid.UUID(int=0), frozenset({"system"}), "zh-CN")
