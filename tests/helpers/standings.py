"""A member's standing written straight into the rewards service's projection, for tests
about what a standing decides (eligibility, rounds), not about how events build it."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from tests.helpers.databases import engine_for


def give_standing(
    member_id: uuid.UUID, minutes: int = 0, community: uuid.UUID | None = None
) -> None:
    with engine_for("rewards").begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO standings (member_id, lifetime_minutes, home_community_id) "
                "VALUES (:m, :n, :c)"
            ),
            {"m": member_id, "n": minutes, "c": community},
        )
