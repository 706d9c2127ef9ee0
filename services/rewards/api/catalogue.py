"""The catalogue of rewards, and a member's standing."""

from __future__ import annotations

import functools
import uuid
from typing import Any, cast

from flask import Response, current_app
from flask_smorest import Blueprint

from common.app import reads, session
from common.auth import require_auth
from common.dumping import dumper, json_template
from common.hot_reads import hot_read
from common.pagination import decode_cursor, page, page_of
from common.transaction import transactional
from services.rewards.adapters.models import Reward
from services.rewards.adapters.runtime import levels
from services.rewards.api.context import actor
from services.rewards.api.schemas import (
    CatalogueArgs,
    RewardIn,
    RewardOut,
    RewardPatch,
    StandingOut,
)
from services.rewards.usecases import catalogue, catalogue_list
from services.rewards.usecases.catalogue import RewardChanges, RewardTerms
from services.rewards.usecases.standing import standing_of

blp = Blueprint("catalogue", __name__, url_prefix="/api/v1", description="The rewards catalogue")

RewardPage = page_of(RewardOut)


def reward_view(
    reward: Reward, eligible: bool | None = None, reason: str | None = None
) -> dict[str, Any]:
    view = catalogue.snapshot(reward)
    view["id"] = reward.id
    view["requires_approval"] = reward.approvers_needed > 0
    view["window"] = {"opens_at": reward.opens_at, "closes_at": reward.closes_at}
    view["provider_ids"] = reward.provider_ids
    view["eligible"], view["ineligible_reason"] = eligible, reason
    return view


@blp.get("/rewards")
@require_auth
@blp.arguments(CatalogueArgs, location="query")
@blp.response(200, RewardPage)
@hot_read(CatalogueArgs)
def list_rewards(args: dict[str, Any]) -> Response:
    """The rewards, cheapest first, each saying whether the caller may ask for it"""
    after = decode_cursor(args["cursor"], int, uuid.UUID)
    limit, levels_ = args["limit"], levels()
    found = catalogue_list.listed_rewards(
        reads(), actor(), args["category"], after, limit + 1, levels_
    )
    result = page(found, limit, lambda listed: (listed.reward.cost, listed.reward.id))
    return _page_answer(result["items"], result["next_cursor"])


_HOLES = ("eligible", "ineligible_reason")  # RewardOut's fields that depend on the caller


@functools.lru_cache(maxsize=4096)
def _shown_json(reward: catalogue_list.ShownReward) -> dict[str, Any]:
    """What every caller sees of a reward, dumped once per distinct row (its object is the
    same while the row is): RewardOut without the caller's ``eligible`` and reason."""
    return dumper(RewardOut)(reward)


class _PageWriter:
    """RewardPage's JSON as the app writes it, from parts written once: the page around
    its items, each distinct reward (row) with holes for the caller's ``eligible`` and
    reason, and each distinct pair of those. For twenty rewards, writing the whole JSON
    was a third of the view's CPU; a request now only joins text."""

    def __init__(self, page: list[str]) -> None:
        self.page = page
        self.reward = functools.lru_cache(maxsize=4096)(self._reward)
        self.answer = functools.lru_cache(maxsize=4096)(self._answer)

    @staticmethod
    def of_app() -> _PageWriter | None:
        """The app's writer; None when the app writes indented JSON (debug)."""
        writer: _PageWriter | None = current_app.extensions.get("reward_page_writer")
        if writer is None:
            page = json_template({"items": None, "next_cursor": None}, ("items", "next_cursor"))
            if page is None:
                return None
            writer = current_app.extensions["reward_page_writer"] = _PageWriter(page)
        return writer

    @staticmethod
    def _reward(reward: catalogue_list.ShownReward) -> list[str]:
        template = json_template({**_shown_json(reward), **dict.fromkeys(_HOLES)}, _HOLES)
        assert template is not None  # the page's template was made: the app writes compact
        return template

    @staticmethod
    def _answer(eligible: bool, reason: str | None) -> dict[str, str]:
        written = (current_app.json.dumps(eligible), current_app.json.dumps(reason))
        return dict(zip(_HOLES, written, strict=True))

    def write(self, items: list[catalogue_list.Listed], cursor: str | None) -> str:
        texts = []
        for reward, eligible, reason in items:
            before, first, between, second, after = self.reward(reward)
            values = self.answer(eligible, reason)
            texts.append(f"{before}{values[first]}{between}{values[second]}{after}")
        values = {"items": f"[{','.join(texts)}]", "next_cursor": current_app.json.dumps(cursor)}
        before, first, between, second, after = self.page
        # the newline Flask's JSON answers end with
        return f"{before}{values[first]}{between}{values[second]}{after}\n"


def _page_answer(items: list[catalogue_list.Listed], cursor: str | None) -> Response:
    """The page as RewardPage dumps it (the ORM-path test compares the bytes)."""
    writer = _PageWriter.of_app()
    if writer is None:  # indented JSON (debug): the rewards as dicts, written as usual
        dumped = [{**_shown_json(i.reward), **dict(zip(_HOLES, i[1:], strict=True))} for i in items]
        return cast(Response, current_app.json.response({"items": dumped, "next_cursor": cursor}))
    return current_app.response_class(writer.write(items, cursor), mimetype="application/json")


@blp.get("/rewards/<uuid:reward_id>")
@require_auth
@blp.response(200, RewardOut)
def get_reward(reward_id: uuid.UUID) -> dict[str, Any]:
    """One reward, with whether the caller may ask for it"""
    caller = actor()
    reward = catalogue.visible_reward(session(), caller, reward_id)
    (listed,) = catalogue.with_eligibility(session(), caller, [reward], levels())
    return reward_view(reward, listed.eligible, listed.ineligible_reason)


@blp.post("/rewards")
@require_auth
@blp.arguments(RewardIn)
@blp.response(201, RewardOut)
@transactional
def create_reward(terms: RewardTerms) -> dict[str, Any]:
    """Add a reward to the catalogue (reward_admin)"""
    return reward_view(catalogue.create_reward(session(), actor(), terms, levels()))


@blp.patch("/rewards/<uuid:reward_id>")
@require_auth
@blp.arguments(RewardPatch(partial=True))
@blp.response(200, RewardOut)
@transactional
def update_reward(changes: RewardChanges, reward_id: uuid.UUID) -> dict[str, Any]:
    """Edit a reward; requests already made keep their terms (reward_admin)"""
    return reward_view(catalogue.update_reward(session(), actor(), reward_id, changes, levels()))


@blp.post("/rewards/<uuid:reward_id>/open")
@require_auth
@blp.response(200, RewardOut)
@transactional
def open_reward(reward_id: uuid.UUID) -> dict[str, Any]:
    """Let members ask for a reward (reward_admin)"""
    return reward_view(catalogue.set_open(session(), actor(), reward_id, True))


@blp.post("/rewards/<uuid:reward_id>/close")
@require_auth
@blp.response(200, RewardOut)
@transactional
def close_reward(reward_id: uuid.UUID) -> dict[str, Any]:
    """Stop members asking for a reward; requests made stay as they are (reward_admin)"""
    return reward_view(catalogue.set_open(session(), actor(), reward_id, False))


@blp.get("/me/standing")
@require_auth
@blp.response(200, StandingOut)
def my_standing() -> dict[str, Any]:
    """The caller's approved service minutes, level and the next level"""
    standing = standing_of(session(), actor().id, levels())
    return {
        "member_id": standing.member_id,
        "lifetime_minutes": standing.lifetime_minutes,
        "level": standing.level,
        "next_level_at_minutes": standing.next_level_at_minutes,
        "home_community_id": standing.home_community_id,
    }
