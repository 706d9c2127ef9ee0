"""The life of a redemption, as data and plain functions the use cases apply.

A request starts as ``placing``: the local intent, committed before the points hold is
asked for, so that a crash between the two leaves a row the reconciling job can match
with the hold (which carries the redemption id) either way. Then:

- first come, first served: ``pending`` until as many distinct administrators as the
  reward needs approve (never the requester), then ``approved`` (hold captured, voucher
  issued), then ``fulfilled`` when the voucher is used; or ``rejected`` with a reason,
  ``cancelled`` by the member while pending, ``expired`` past the deadline (hold
  released, stock returned);
- in a round: ``applied`` (hold placed) until the round closes, then ``won`` (to be
  approved in rank order, like ``pending``) or ``lost`` (hold released at once);
- a rejection can be appealed once (``appealed``); an administrator other than the one
  who rejected decides: upheld goes back to ``rejected``, granted back to ``placing``
  (a new hold, as the first was released), then ``pending``.

``TRANSITIONS`` is the whole table; ``HOLD`` says what each step does to the points hold.
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass

from common.errors import Conflict, Forbidden, Invalid

PLACING = "placing"
PENDING = "pending"
APPROVED = "approved"
FULFILLED = "fulfilled"
REJECTED = "rejected"
CANCELLED = "cancelled"
EXPIRED = "expired"
APPEALED = "appealed"
APPLIED = "applied"
WON = "won"
LOST = "lost"

# how a sentence names a request in each state
STATE_WORDS = {
    PLACING: "still being placed",
    PENDING: "waiting for approval",
    APPROVED: "already approved",
    FULFILLED: "already fulfilled",
    REJECTED: "rejected",
    CANCELLED: "cancelled",
    EXPIRED: "expired",
    APPEALED: "under appeal",
    APPLIED: "an application in a round that has not closed",
    WON: "a place won in a round, waiting for approval",
    LOST: "an application that did not win its round",
}
STATES = tuple(STATE_WORDS)

# (state, action) -> next state
TRANSITIONS: dict[tuple[str, str], str] = {
    (PLACING, "place"): PENDING,
    (PLACING, "apply"): APPLIED,
    # the hold was refused, or the reconciling job found none: nothing was reserved
    (PLACING, "abandon"): CANCELLED,
    (PENDING, "approve"): APPROVED,
    (PENDING, "reject"): REJECTED,
    (PENDING, "cancel"): CANCELLED,
    (PENDING, "expire"): EXPIRED,
    (APPLIED, "win"): WON,
    (APPLIED, "lose"): LOST,
    (APPLIED, "cancel"): CANCELLED,
    (WON, "approve"): APPROVED,
    (WON, "reject"): REJECTED,
    (WON, "cancel"): CANCELLED,
    (WON, "expire"): EXPIRED,
    (APPROVED, "fulfil"): FULFILLED,
    # the voucher is withdrawn; the captured points stay spent unless an admin adjusts
    (APPROVED, "revoke"): CANCELLED,
    (REJECTED, "appeal"): APPEALED,
    (APPEALED, "uphold"): REJECTED,
    (APPEALED, "grant"): PLACING,
}
ACTIONS = tuple(dict.fromkeys(action for _, action in TRANSITIONS))
TERMINAL = frozenset(s for s in STATES if not any(k[0] == s for k in TRANSITIONS))

# what a step does to the points hold: place it, capture it, release it (None: nothing)
HOLD: dict[str, str | None] = {
    "place": "place",
    "apply": "place",
    "abandon": None,
    "approve": "capture",
    "reject": "release",
    "cancel": "release",
    "expire": "release",
    "win": None,
    "lose": "release",
    "fulfil": None,
    "revoke": None,
    "appeal": None,
    "uphold": None,
    "grant": None,
}
# states whose request holds points (and, but for ``applied``, a unit of stock)
HOLDING = frozenset({PENDING, APPLIED, WON})

_PAST = {
    "place": "placed",
    "apply": "entered in a round",
    "abandon": "abandoned",
    "approve": "approved",
    "reject": "rejected",
    "cancel": "cancelled",
    "expire": "expired",
    "win": "given a place",
    "lose": "refused a place",
    "fulfil": "fulfilled",
    "revoke": "revoked",
    "appeal": "appealed",
    "uphold": "upheld on appeal",
    "grant": "granted on appeal",
}
MAX_REASON = 1000


def allowed_actions(state: str) -> tuple[str, ...]:
    return tuple(action for (source, action) in TRANSITIONS if source == state)


def transition(state: str, action: str) -> str:
    """The state after ``action``, or Conflict ``wrong-state`` naming the current state."""
    if state not in STATE_WORDS or action not in _PAST:
        raise ValueError(f"unknown state {state!r} or action {action!r}")
    target = TRANSITIONS.get((state, action))
    if target is None:
        raise Conflict(
            f"This request is {STATE_WORDS[state]}, so it cannot be {_PAST[action]}.",
            kind="wrong-state",
            extra={"status": state, "action": action},
        )
    return target


def reason(text: object, field: str = "reason") -> str:
    """A reason a person gives (rejection, appeal): stripped, 1 to 1000 characters."""
    if not isinstance(text, str) or not text.strip():
        raise Invalid.field(field, "A reason is required.")
    if len(text.strip()) > MAX_REASON:
        raise Invalid.field(field, f"A reason is at most {MAX_REASON} characters.")
    return text.strip()


@dataclass(frozen=True)
class Approvals:
    """Who approved a request so far, out of how many distinct approvers it needs."""

    needed: int
    requester_id: uuid.UUID
    approver_ids: tuple[uuid.UUID, ...] = ()

    @property
    def complete(self) -> bool:
        return len(self.approver_ids) >= self.needed


def approve(state: str, approvals: Approvals, approver_id: uuid.UUID) -> tuple[str, Approvals]:
    """One administrator's approval: the new state (approved once enough) and approvals.

    Forbidden for the requester; Conflict ``already-approved`` for a second approval by
    the same administrator; Conflict ``wrong-state`` when the request is not awaiting one.
    """
    approved = transition(state, "approve")
    if approver_id == approvals.requester_id:
        raise Forbidden("No one may approve their own request.", kind="own-request")
    if approver_id in approvals.approver_ids:
        raise Conflict(
            "You have already approved this request; another administrator must.",
            kind="already-approved",
        )
    after = Approvals(
        approvals.needed, approvals.requester_id, (*approvals.approver_ids, approver_id)
    )
    return (approved if after.complete else state), after


def appeal(
    state: str, *, already_appealed: bool, appellant_id: uuid.UUID, requester_id: uuid.UUID
) -> str:
    """The member's one appeal of a rejection."""
    if appellant_id != requester_id:
        raise Forbidden("Only the member who made a request may appeal it.", kind="not-owner")
    if state == REJECTED and already_appealed:
        raise Conflict(
            "This rejection was already appealed and decided; a request is appealed once.",
            kind="already-appealed",
        )
    return transition(state, "appeal")


def decide_appeal(
    state: str, *, granted: bool, decider_id: uuid.UUID, rejected_by: uuid.UUID
) -> str:
    """An administrator's decision on an appeal: never the one who rejected."""
    if decider_id == rejected_by:
        raise Forbidden(
            "An appeal is decided by an administrator other than the one who rejected.",
            kind="same-administrator",
        )
    return transition(state, "grant" if granted else "uphold")


# no 0/O or 1/I: a code is read off a screen or paper and typed by a person
VOUCHER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
VOUCHER_GROUPS = 5
VOUCHER_GROUP = 4
# 32 symbols are 5 bits each: 20 of them are 100 bits, out of reach of guessing
VOUCHER_BITS = VOUCHER_GROUPS * VOUCHER_GROUP * 5
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—]+")


def voucher_code() -> str:
    """A fresh voucher code, e.g. ``ABCD-EFGH-JKLM-NPQR-STUV``."""
    symbols = "".join(
        secrets.choice(VOUCHER_ALPHABET) for _ in range(VOUCHER_GROUPS * VOUCHER_GROUP)
    )
    return _grouped(symbols)


def parse_voucher_code(text: object) -> str:
    """A typed or scanned code in its canonical form, or Invalid on ``code``.

    Case, spaces and dashes are forgiven; a 0, O, 1 or I never appears in a code.
    """
    symbols = _SEPARATORS.sub("", text).upper() if isinstance(text, str) else ""
    if len(symbols) != VOUCHER_GROUPS * VOUCHER_GROUP or not all(
        s in VOUCHER_ALPHABET for s in symbols
    ):
        raise Invalid.field(
            "code",
            f"A voucher code is {VOUCHER_GROUPS} groups of {VOUCHER_GROUP} letters and digits "
            "(never 0, O, 1 or I).",
        )
    return _grouped(symbols)


def _grouped(symbols: str) -> str:
    return "-".join(symbols[i : i + VOUCHER_GROUP] for i in range(0, len(symbols), VOUCHER_GROUP))
