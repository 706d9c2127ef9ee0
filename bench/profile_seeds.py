"""Realistic data for ``bench.profile_request --realistic``: what a page looks like in use.

An empty catalogue, or a member with no standing, measures a list that does almost no
work; a district's catalogue holds a few dozen rewards, most with eligibility rules, read
by members with hours behind them. ``SEEDS[app](app, signer, member_id)`` puts such data
in the app's fresh databases through its own API (and the standing projection straight
into its table, as the hours service's events would have).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from common.tokens import TokenSigner

CATEGORIES = ("childcare", "rental_housing", "health", "transport", "goods", "other")


def reward_catalogue(home: uuid.UUID, other: uuid.UUID, count: int = 24) -> list[dict[str, Any]]:
    """``count`` rewards as an administrator would make them: every kind of rule (none,
    roles, home community, hours, level, several at once), windows, stock, forms and
    providers; a member living in ``home`` may ask for some and not for others."""
    opens = datetime(2026, 1, 1, 8, tzinfo=UTC)
    rules: list[dict[str, Any]] = [
        {},
        {"roles_any": ["party_member", "rider"]},
        {"home_community_ids": [str(home)]},
        {"home_community_ids": [str(other)]},
        {"min_lifetime_hours": 50},
        {"min_lifetime_hours": 500},
        {"min_level": 1},
        {"min_level": 3},
        {"roles_any": ["member"], "home_community_ids": [str(home), str(other)], "min_level": 2},
    ]
    form = [
        {"name": "child_name", "label": "孩子姓名", "type": "text", "required": True},
        {"name": "age", "label": "年龄", "type": "number"},
        {"name": "slot", "label": "时段", "type": "choice", "choices": ["上午", "下午"]},
    ]
    terms = []
    for n in range(count):
        terms.append(
            {
                "name": f"惠民服务 {n}",
                "name_en": f"Benefit {n}" if n % 3 else None,
                "category": CATEGORIES[n % len(CATEGORIES)],
                "cost": 10 * (1 + n % 7),  # ties in cost: the id settles the order
                "stock": None if n % 4 == 0 else 50 + n,
                "per_member_limit": 1 if n % 2 else None,
                "limit_period": ("lifetime", "year", "month")[n % 3],
                "opens_at": opens.isoformat() if n % 5 else None,
                "closes_at": (opens + timedelta(days=400)).isoformat() if n % 5 == 1 else None,
                "approvers_needed": n % 3,
                "eligibility": rules[n % len(rules)],
                "form_fields": form if n % 2 == 0 else [],
                "provider_ids": [str(uuid.UUID(int=n + 1))] if n % 3 == 0 else [],
            }
        )
    return terms


Call = Callable[[str, str, Any], Any]  # (method, path, JSON body) -> the answer's JSON


def put_catalogue(call: Call, engine: sa.Engine, member_id: uuid.UUID) -> None:
    """24 rewards (the default page of 20 has a next cursor) made through the API by
    ``call`` as a reward administrator, two of them closed, and ``member_id`` a member of
    120 approved hours (level 1) living in a known community: their standing goes straight
    into the rewards database behind ``engine``, as the hours' events would have put it."""
    home, other = uuid.uuid4(), uuid.uuid4()
    for n, terms in enumerate(reward_catalogue(home, other)):
        made = call("POST", "/api/v1/rewards", terms)
        if n in (5, 17):
            call("POST", f"/api/v1/rewards/{made['id']}/close", None)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO standings (member_id, lifetime_minutes, home_community_id) "
                "VALUES (:m, :n, :c)"
            ),
            {"m": member_id, "n": 120 * 60, "c": home},
        )


def rewards(app: Any, signer: TokenSigner, member_id: uuid.UUID) -> None:
    """The catalogue of ``put_catalogue`` through the app's test client."""
    token = signer.sign(uuid.uuid4(), "admin", ["reward_admin"])
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    def call(method: str, path: str, body: Any) -> Any:
        answer = client.open(path, method=method, json=body, headers=headers)
        assert answer.status_code in (200, 201), answer.json
        return answer.json

    put_catalogue(call, app.extensions["database"].engine, member_id)


SEEDS: dict[str, Callable[[Any, TokenSigner, uuid.UUID], None]] = {"rewards": rewards}
