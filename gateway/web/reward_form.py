"""A reward's terms from the administrators' form, and back: the form's inputs are named
as the API keys its errors (``cost``, ``eligibility.min_level``, ``form_fields.0.type``),
so every field error lands next to its field."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from werkzeug.datastructures import MultiDict

from common.i18n import N_
from common.settings import Settings

ROLES = {
    "rider": N_("Riders"),
    "party_member": N_("Party members"),
    "coordinator": N_("Coordinators"),
}
FIELD_TYPES = {
    "text": N_("Text"),
    "number": N_("Number"),
    "date": N_("Date"),
    "choice": N_("Choice"),
    "boolean": N_("Yes or no"),
}
ALLOCATIONS = {"first_come": N_("First come, first served"), "round": N_("Allocation round")}
BLANK_ROWS = 2


def _number(text: str) -> Any:
    """A whole number, None when blank; anything else as typed, for the API to refuse."""
    text = text.strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return text


def local_moment(text: str) -> Any:
    """A local date and time of the form (district time) as RFC 3339."""
    if not text.strip():
        return None
    try:
        local = datetime.fromisoformat(text.strip())
    except ValueError:
        return text
    settings: Settings = current_app.config["SETTINGS"]
    return local.replace(tzinfo=settings.district_timezone).isoformat()


def _form_fields(form: MultiDict[str, str]) -> list[dict[str, Any]]:
    fields: list[dict[str, Any]] = []
    position = 0
    while f"form_fields.{position}.name" in form:
        prefix = f"form_fields.{position}."
        position += 1
        name = form.get(prefix + "name", "").strip()
        if not name:
            continue  # a blank row is no field
        spec: dict[str, Any] = {
            "name": name,
            "label": form.get(prefix + "label", "").strip() or name,
            "type": form.get(prefix + "type", "text"),
            "required": form.get(prefix + "required") == "yes",
        }
        choices = [c.strip() for c in form.get(prefix + "choices", "").split(",") if c.strip()]
        if choices or spec["type"] == "choice":
            spec["choices"] = choices
        fields.append(spec)
    return fields


def terms_from(form: MultiDict[str, str], kept: dict[str, Any]) -> dict[str, Any]:
    """The body of POST /rewards or PATCH /rewards/{id}; ``kept``: the reward's
    eligibility parts the form does not show (home communities)."""
    eligibility: dict[str, Any] = {
        "roles_any": form.getlist("eligibility.roles_any"),
        "home_community_ids": kept.get("home_community_ids", []),
    }
    for rule in ("min_lifetime_hours", "min_level"):
        value = _number(form.get(f"eligibility.{rule}", ""))
        if value is not None:
            eligibility[rule] = value
    return {
        "name": form.get("name", "").strip(),
        "name_en": form.get("name_en", "").strip() or None,
        "category": form.get("category", ""),
        "cost": _number(form.get("cost", "")),
        "stock": _number(form.get("stock", "")),
        "per_member_limit": _number(form.get("per_member_limit", "")),
        "limit_period": form.get("limit_period", "year"),
        "approvers_needed": _number(form.get("approvers_needed", "")) or 0,
        "allocation": form.get("allocation", "first_come"),
        "opens_at": local_moment(form.get("opens_at", "")),
        "closes_at": local_moment(form.get("closes_at", "")),
        "eligibility": eligibility,
        "form_fields": _form_fields(form),
    }


def _local_input(value: Any) -> str:
    if not value:
        return ""
    settings: Settings = current_app.config["SETTINGS"]
    moment = datetime.fromisoformat(str(value)).astimezone(settings.district_timezone)
    return moment.strftime("%Y-%m-%dT%H:%M")


def values_of(reward: dict[str, Any]) -> dict[str, Any]:
    """The form's values for a reward the API answered (to edit it)."""
    eligibility = reward.get("eligibility") or {}
    window = reward.get("window") or {}
    values: dict[str, Any] = {
        key: "" if reward.get(key) is None else str(reward[key])
        for key in ("name", "name_en", "category", "cost", "stock", "per_member_limit")
    }
    values.update(
        limit_period=reward.get("limit_period", "year"),
        approvers_needed=str(reward.get("approvers_needed", 1)),
        allocation=reward.get("allocation", "first_come"),
        opens_at=_local_input(window.get("opens_at")),
        closes_at=_local_input(window.get("closes_at")),
        roles=list(eligibility.get("roles_any", [])),
        min_lifetime_hours=str(eligibility.get("min_lifetime_hours", "") or ""),
        min_level=str(eligibility.get("min_level", "") or ""),
        fields=list(reward.get("form_fields") or []),
    )
    return values


def values_from(form: MultiDict[str, str]) -> dict[str, Any]:
    """The form's values as sent (shown again beside the API's errors)."""
    values: dict[str, Any] = {key: form.get(key, "") for key in form}
    values.update(
        roles=form.getlist("eligibility.roles_any"),
        min_lifetime_hours=form.get("eligibility.min_lifetime_hours", ""),
        min_level=form.get("eligibility.min_level", ""),
        fields=_form_fields(form),
    )
    return values
