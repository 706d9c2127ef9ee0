"""Tasks posted by coordinators: what a task may go through."""

from __future__ import annotations

from common.errors import Conflict

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
