"""The words of the rewards pages: reward names in the page's language, categories,
request states, round rules, voucher states and limit periods."""

from __future__ import annotations

from typing import Any

from flask import g

from common.i18n import N_
from gateway.web import gettext

CATEGORIES = {
    "childcare": N_("Childcare"),
    "rental_housing": N_("Rental housing"),
    "health": N_("Health"),
    "transport": N_("Transport"),
    "goods": N_("Goods"),
    "other": N_("Other"),
}

# a request's states, in the words a member reads
REQUEST_STATES = {
    "placing": N_("Being placed"),
    "pending": N_("Waiting for approval"),
    "applied": N_("Applied to the round"),
    "won": N_("Won a place; waiting for approval"),
    "lost": N_("Not successful in the round"),
    "approved": N_("Approved: voucher ready"),
    "fulfilled": N_("Used"),
    "rejected": N_("Rejected"),
    "appealed": N_("Appeal under review"),
    "cancelled": N_("Cancelled"),
    "expired": N_("Expired"),
}

RULES = {
    "service_hours": N_("Most approved service hours first"),
    "points": N_("Most points earned first"),
    "application_time": N_("Earliest application first"),
}

VOUCHER_STATES = {
    "valid": N_("Valid"),
    "used": N_("Used"),
    "cancelled": N_("Cancelled"),
}

PERIODS = {
    "day": N_("per day"),
    "month": N_("per month"),
    "year": N_("per year"),
    "lifetime": N_("in all"),
}

# states in which the member may still cancel (the points are held)
CANCELLABLE = ("pending", "applied", "won")


def _word(table: dict[str, str], value: Any) -> str:
    text = str(value or "")
    return gettext(table[text]) if text in table else text


def reward_name(reward: dict[str, Any] | None) -> str:
    """A reward's name in the page's language (the Chinese name when no English one)."""
    if not reward:
        return ""
    if g.get("locale") == "en" and reward.get("name_en"):
        return str(reward["name_en"])
    return str(reward.get("name", ""))


def category(value: Any) -> str:
    return _word(CATEGORIES, value)


def request_state(value: Any) -> str:
    return _word(REQUEST_STATES, value)


def rule(value: Any) -> str:
    return _word(RULES, value)


def voucher_state(value: Any) -> str:
    return _word(VOUCHER_STATES, value)


def period(value: Any) -> str:
    return _word(PERIODS, value)


WORDS = {
    "reward_name": reward_name,
    "category_name": category,
    "request_state": request_state,
    "rule_name": rule,
    "voucher_state": voucher_state,
    "period_name": period,
    "categories": CATEGORIES,
    "request_states": REQUEST_STATES,
    "cancellable": CANCELLABLE,
}
