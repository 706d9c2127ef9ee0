"""The rewards list: the hottest read of the service, read as plain rows.

Every member opens it, again and again, when a campaign starts. Loaded as ORM objects
through a session, with each reward's rules parsed and its answer built anew, a page of
twenty cost about 3.6 ms of CPU (docs/performance.md). Here it is one SELECT on the hot
reads' connection (common/reads.py): the caller's standing and the page side by side.

A catalogue is a few dozen rows that change now and then, read thousands of times in
between: each distinct row is made into a :class:`ShownReward` once (its rules and form
parsed, ``_shown`` below) and the same object comes back while the row is unchanged, so
the API may keep that reward's answer too. What depends on the caller, whether they may
ask and why not, is decided once per distinct set of rules and standing (``_decision``).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from common.reads import Rows
from services.rewards.domain.eligibility import EligibilityRules, check
from services.rewards.domain.standing import Levels, Standing
from services.rewards.usecases.actors import Actor


class Window(NamedTuple):
    opens_at: datetime | None
    closes_at: datetime | None


# eq=False: compared and hashed by identity; one object per distinct row (``_shown``)
@dataclass(frozen=True, eq=False)
class ShownReward:
    """A reward as every caller sees it in the list (ids as text, as answers carry them)."""

    id: str
    name: str
    name_en: str | None
    category: str
    cost: int
    stock: int | None
    stock_remaining: int | None
    per_member_limit: int | None
    limit_period: str
    requires_approval: bool
    approvers_needed: int
    allocation: str
    window: Window
    eligibility: dict[str, Any]
    form_fields: list[Any]
    provider_ids: list[str]
    active: bool
    rules: EligibilityRules
    rules_text: str  # the stored JSON of ``rules``: equal texts, equal rules


class Listed(NamedTuple):
    reward: ShownReward
    eligible: bool
    ineligible_reason: str | None


# The filters are added as literal text so that each variant keeps a plan of its own. A
# row of NULLs stands for the standing when no event told us of the caller, and for the
# page when it is empty.
_PAGE = """
    SELECT s.lifetime_minutes, s.home_community_id, r.*
      FROM (SELECT 1) AS one
      LEFT JOIN standings AS s ON s.member_id = %(member_id)s
      LEFT JOIN LATERAL (
            SELECT id::text, name, name_en, category, cost, stock_total, stock_remaining,
                   per_member_limit, limit_period, approvers_needed, allocation, opens_at,
                   closes_at, eligibility::text, form_fields::text,
                   array_to_string(provider_ids, ','), active
              FROM rewards
             WHERE true"""
_OPEN_ONLY = " AND active"
_IN_CATEGORY = " AND category = %(category)s"
_AFTER = " AND (cost, id) > (%(cost)s, %(id)s)"
_PAGE_END = """
             ORDER BY cost, id
             LIMIT %(limit)s) AS r ON true
     ORDER BY r.cost, r.id
    """


def listed_rewards(
    rows: Rows,
    actor: Actor,
    category: str | None,
    after: list[Any] | None,
    limit: int,
    levels: Levels,
) -> list[Listed]:
    """Up to ``limit`` rewards after the cursor's ``(cost, id)``, cheapest first: open ones
    for members, closed ones too for administrators; each with whether ``actor`` may ask
    for it and, if not, why (what ``catalogue.with_eligibility`` answers for one)."""
    sql = _PAGE
    if not actor.is_reward_admin:
        sql += _OPEN_ONLY
    if category is not None:
        sql += _IN_CATEGORY
    if after is not None:
        sql += _AFTER
    cost, id_ = after if after is not None else (None, None)
    params = {"member_id": actor.id, "category": category, "cost": cost, "id": id_}
    found = rows.all(sql + _PAGE_END, {**params, "limit": limit})
    minutes, home = found[0][:2]
    standing = Standing(actor.id, minutes or 0, home, levels)
    decided: dict[str, tuple[bool, str | None]] = {}  # rules text -> the caller's answer
    listed = []
    for row in found:
        if row[2] is None:
            continue  # no reward: the standing's row alone
        reward = _shown(row[2:])
        answer = decided.get(reward.rules_text)
        if answer is None:
            answer = decided[reward.rules_text] = _decision(
                reward.rules_text, standing, levels, actor.roles, actor.language
            )
        listed.append(Listed(reward, *answer))
    return listed


# a member reads the list again and again: the same rules, the same standing, the same
# answer (levels are not part of a standing's equality, so they are part of the key)
@functools.lru_cache(maxsize=4096)
def _decision(
    rules_text: str, standing: Standing, levels: Levels, roles: frozenset[str], language: str
) -> tuple[bool, str | None]:
    refusal = check(_rules(rules_text)[1], standing, roles)
    return refusal is None, refusal.message_in(language) if refusal else None


# the values of a row are its key: an edit, a closing, a reservation of stock each make
# another row. The objects are shared between requests and only ever read.
@functools.lru_cache(maxsize=4096)
def _shown(row: tuple[Any, ...]) -> ShownReward:
    (id_, name, name_en, category, cost, stock, remaining, per_member, period, approvers) = row[:10]
    allocation, opens, closes, rules_text, form_text, providers, active = row[10:]
    eligibility, rules = _rules(rules_text)
    return ShownReward(
        id=id_,
        name=name,
        name_en=name_en,
        category=category,
        cost=cost,
        stock=stock,
        stock_remaining=remaining,
        per_member_limit=per_member,
        limit_period=period,
        requires_approval=approvers > 0,
        approvers_needed=approvers,
        allocation=allocation,
        window=Window(opens, closes),
        eligibility=eligibility,
        form_fields=json.loads(form_text),
        provider_ids=providers.split(",") if providers else [],
        active=active,
        rules=rules,
        rules_text=rules_text,
    )


@functools.lru_cache(maxsize=1024)
def _rules(text: str) -> tuple[dict[str, Any], EligibilityRules]:
    data = json.loads(text)
    return data, EligibilityRules.from_json(data)
