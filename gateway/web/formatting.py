"""Jinja filters: times in the district's zone, hours, points, states in the page's words."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask import current_app

from common.i18n import N_
from common.settings import Settings
from gateway.web import gettext

STATES = {
    "submitted": N_("Submitted"),
    "verified": N_("Verified"),
    "dispatched": N_("Dispatched"),
    "resolved": N_("Resolved"),
    "rejected": N_("Rejected"),
    "confirmed": N_("Confirmed"),
    "duplicate": N_("Duplicate"),
    "pending": N_("Pending"),
    "approved": N_("Approved"),
    "open": N_("Open"),
    "claimed": N_("Claimed"),
    "done": N_("Done"),
    "finished": N_("Finished"),
    "cancelled": N_("Cancelled"),
    "fulfilled": N_("Fulfilled"),
    "appealed": N_("Appealed"),
    "waiting": N_("Waiting for signal"),
}


TASK_KINDS = {
    "practical_matter": N_("Practical matters"),
    "dispute_mediation": N_("Dispute mediation"),
    "policy_outreach": N_("Policy outreach"),
    "volunteer_service": N_("Volunteer service"),
}


# the names of the volunteers service's default report categories
CATEGORY_NAMES = (
    N_("Blocked fire lane"),
    N_("E-bike charging indoors"),
    N_("Missing manhole cover"),
    N_("Broken street light"),
    N_("Road damage"),
    N_("Falling-object risk"),
    N_("Water or gas leak"),
    N_("Other"),
)


# the points service writes its history in English: each line's shape, in the page's words
LEDGER_LINES = (
    (
        re.compile(r"^(\d+) points for (.+?)(?: \((\d+) minutes\))?$"),
        N_("%(points)s points for %(what)s"),
    ),
    (re.compile(r"^(\d+) points expired$"), N_("%(points)s points expired")),
    (re.compile(r"^(\d+) points held$"), N_("%(points)s points held")),
    (re.compile(r"^(\d+) points taken back(?:: .*)?$"), N_("%(points)s points taken back")),
)
LEDGER_WHAT = (
    N_("approved service hours"),
    N_("a verified safety report"),
    N_("a check-in"),
    N_("a completed task"),
)


def ledger_line(value: Any) -> str:
    text = str(value or "")
    for pattern, template in LEDGER_LINES:
        found = pattern.match(text)
        if found:
            what = found.group(2) if (found.lastindex or 0) >= 2 else None
            return gettext(template, points=found.group(1), what=gettext(what) if what else "")
    return text


def task_kind(value: Any) -> str:
    text = str(value or "")
    return gettext(TASK_KINDS[text]) if text in TASK_KINDS else text


def local_time(value: Any, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """An RFC 3339 time from the API, shown in the district's time zone."""
    if not value:
        return ""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    settings: Settings = current_app.config["SETTINGS"]
    return moment.astimezone(settings.district_timezone).strftime(pattern)


def local_date(value: Any) -> str:
    return local_time(value, "%Y-%m-%d")


def hours(minutes: Any) -> str:
    total = int(minutes or 0)
    return f"{total // 60}:{total % 60:02d}"


def state(value: Any) -> str:
    text = str(value or "")
    return gettext(STATES[text]) if text in STATES else text


FILTERS = {
    "local_time": local_time,
    "local_date": local_date,
    "hours": hours,
    "state": state,
    "task_kind": task_kind,
    "ledger_line": ledger_line,
}
