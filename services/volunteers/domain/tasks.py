"""Tasks posted by coordinators: what a task may go through."""

from __future__ import annotations

from datetime import timedelta

from common.errors import Conflict

# a coordinator who approved or entered a member's hours this recently does not confirm
# (and so pay) that member's tasks: the member may be the coordinator's second account
RELATION_WINDOW = timedelta(days=30)

TASK_KINDS = ("practical_matter", "dispute_mediation", "policy_outreach", "volunteer_service")

TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "claim": (("open",), "claimed"),
    "release": (("claimed",), "open"),
    "finish": (("claimed",), "done"),
    "confirm": (("done",), "confirmed"),
    "cancel": (("open", "claimed"), "cancelled"),
}


PAST = {
    "claim": "claimed",
    "release": "released",
    "finish": "finished",
    "confirm": "confirmed",
    "cancel": "cancelled",
}


def next_status(current: str, action: str) -> str:
    sources, target = TRANSITIONS[action]
    if current not in sources:
        raise Conflict(
            f"A task that is {current} cannot be {PAST[action]}; "
            f"that needs one that is {' or '.join(sources)}.",
            kind="wrong-state",
        )
    return target
