"""The catalogue: rewards created, edited, opened and closed by reward administrators, and
listed to members with whether they may ask for each (from the local standing projection,
never a call to another service)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.errors import Conflict, Invalid, NotFound
from services.rewards.adapters.models import Reward
from services.rewards.domain.eligibility import EligibilityRules, check
from services.rewards.domain.forms import fields_from_json
from services.rewards.domain.standing import Levels
from services.rewards.usecases import audit
from services.rewards.usecases.actors import Actor
from services.rewards.usecases.standing import standing_of


@dataclass(frozen=True)
class RewardTerms:
    """Everything an administrator sets on a reward (a new one, or a whole edit)."""

    name: str
    category: str
    cost: int
    stock: int | None = None
    per_member_limit: int | None = None
    limit_period: str = "lifetime"
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    approvers_needed: int = 0
    allocation: str = "first_come"
    eligibility: dict[str, Any] = field(default_factory=dict)
    form_fields: list[Any] = field(default_factory=list)
    name_en: str | None = None
    provider_ids: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True)
class RewardChanges:
    """A PATCH: ``values`` holds only the fields the administrator sent."""

    values: dict[str, Any]


EDITABLE = {f.name for f in fields(RewardTerms)}


def snapshot(reward: Reward) -> dict[str, Any]:
    """A reward as JSON, for the audit log and for a redemption's copy of its terms."""
    return {
        "id": str(reward.id),
        "name": reward.name,
        "name_en": reward.name_en,
        "category": reward.category,
        "cost": reward.cost,
        "stock": reward.stock_total,
        "stock_remaining": reward.stock_remaining,
        "per_member_limit": reward.per_member_limit,
        "limit_period": reward.limit_period,
        "opens_at": reward.opens_at.isoformat() if reward.opens_at else None,
        "closes_at": reward.closes_at.isoformat() if reward.closes_at else None,
        "approvers_needed": reward.approvers_needed,
        "allocation": reward.allocation,
        "eligibility": reward.eligibility,
        "form_fields": reward.form_fields,
        "provider_ids": [str(p) for p in reward.provider_ids],
        "active": reward.active,
    }


def _check_terms(values: dict[str, Any], levels: Levels) -> dict[str, Any]:
    """The terms with eligibility and form in their canonical JSON; Invalid otherwise."""
    checked = dict(values)
    if "eligibility" in checked:
        checked["eligibility"] = EligibilityRules.from_json(
            checked["eligibility"], levels=levels
        ).to_json()
    if "form_fields" in checked:
        checked["form_fields"] = [f.to_json() for f in fields_from_json(checked["form_fields"])]
    opens, closes = checked.get("opens_at"), checked.get("closes_at")
    if opens is not None and closes is not None and closes <= opens:
        raise Invalid.field("closes_at", "The reward must close after it opens.")
    return checked


def _apply(reward: Reward, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if name == "stock":
            _set_stock(reward, value)
        elif name == "provider_ids":
            reward.provider_ids = list(value)
        else:
            setattr(reward, name, value)


def _set_stock(reward: Reward, total: int | None) -> None:
    """A new total moves what is left by the same amount; places already given stay given."""
    if total is None:
        reward.stock_total = reward.stock_remaining = None
        return
    given = (reward.stock_total or 0) - (reward.stock_remaining or 0)
    if reward.stock_total is None:
        given = 0
    if total < given:
        raise Conflict(
            f"{given} of this reward are already reserved or given; the stock cannot be "
            "lower than that.",
            kind="stock-below-reserved",
            extra={"reserved": given},
        )
    reward.stock_total, reward.stock_remaining = total, total - given


def create_reward(session: Session, actor: Actor, terms: RewardTerms, levels: Levels) -> Reward:
    actor.require_reward_admin()
    values = _check_terms({f.name: getattr(terms, f.name) for f in fields(terms)}, levels)
    reward = Reward(id=uuid.uuid4(), created_by=actor.id, stock_total=None, stock_remaining=None)
    _apply(reward, values)
    session.add(reward)
    session.flush()
    audit.record(session, actor, "reward.create", ("reward", reward.id), None, snapshot(reward))
    return reward


def locked_reward(session: Session, reward_id: uuid.UUID) -> Reward:
    reward = session.get(Reward, reward_id, with_for_update=True)
    if reward is None:
        raise NotFound.of("reward")
    return reward


def update_reward(
    session: Session, actor: Actor, reward_id: uuid.UUID, changes: RewardChanges, levels: Levels
) -> Reward:
    """Edit a reward; requests already made keep the terms they were made on."""
    actor.require_reward_admin()
    reward = locked_reward(session, reward_id)
    before = snapshot(reward)
    values = _check_terms(changes.values, levels)
    opens = values.get("opens_at", reward.opens_at)
    closes = values.get("closes_at", reward.closes_at)
    if opens is not None and closes is not None and closes <= opens:
        raise Invalid.field("closes_at", "The reward must close after it opens.")
    _apply(reward, values)
    reward.updated_at = sa.func.now()
    session.flush()
    session.refresh(reward)
    audit.record(session, actor, "reward.update", ("reward", reward.id), before, snapshot(reward))
    return reward


def set_open(session: Session, actor: Actor, reward_id: uuid.UUID, active: bool) -> Reward:
    """Open (members may ask) or close (nobody may ask; requests made stay as they are)."""
    actor.require_reward_admin()
    reward = locked_reward(session, reward_id)
    before = snapshot(reward)
    reward.active = active
    session.flush()
    action = "reward.open" if active else "reward.close"
    audit.record(session, actor, action, ("reward", reward.id), before, snapshot(reward))
    return reward


@dataclass(frozen=True)
class Listed:
    reward: Reward
    eligible: bool
    ineligible_reason: str | None


def visible_reward(session: Session, actor: Actor, reward_id: uuid.UUID) -> Reward:
    """A reward the caller may see: any for administrators, open ones for members."""
    reward = session.get(Reward, reward_id)
    if reward is None or not (reward.active or actor.is_reward_admin):
        raise NotFound.of("reward")
    return reward


def with_eligibility(
    session: Session, actor: Actor, rewards: list[Reward], levels: Levels
) -> list[Listed]:
    """Each reward with whether ``actor`` may ask for it and, if not, why."""
    standing = standing_of(session, actor.id, levels)
    listed = []
    for reward in rewards:
        refusal = check(EligibilityRules.from_json(reward.eligibility), standing, actor.roles)
        reason = refusal.message_in(actor.language) if refusal else None
        listed.append(Listed(reward, refusal is None, reason))
    return listed
