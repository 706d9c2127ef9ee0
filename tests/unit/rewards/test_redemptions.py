"""The redemption state machine, approvals, appeals and voucher codes."""

from __future__ import annotations

import math
import re
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.errors import Conflict, Forbidden, Invalid
from services.rewards.domain import redemptions as r
from services.rewards.domain.redemptions import Approvals, approve, transition

MEMBER = uuid.UUID(int=1)
ADMIN_A = uuid.UUID(int=2)
ADMIN_B = uuid.UUID(int=3)


def test_the_states_are_the_eleven_named() -> None:
    assert set(r.STATES) == {
        "placing",
        "pending",
        "approved",
        "fulfilled",
        "rejected",
        "cancelled",
        "expired",
        "appealed",
        "applied",
        "won",
        "lost",
    }
    assert set(r.TERMINAL) == {"fulfilled", "cancelled", "expired", "lost"}
    assert set(r.HOLD) == set(r.ACTIONS)


@pytest.mark.parametrize(
    ("path", "end"),
    [
        (["place", "approve", "fulfil"], "fulfilled"),
        (["place", "reject", "appeal", "uphold"], "rejected"),
        (["place", "reject", "appeal", "grant", "place", "approve"], "approved"),
        (["place", "cancel"], "cancelled"),
        (["place", "expire"], "expired"),
        (["apply", "win", "approve", "fulfil"], "fulfilled"),
        (["apply", "lose"], "lost"),
        (["apply", "cancel"], "cancelled"),
        (["apply", "win", "expire"], "expired"),
        (["abandon"], "cancelled"),
        (["place", "approve", "revoke"], "cancelled"),
    ],
)
def test_paths(path: list[str], end: str) -> None:
    state = "placing"
    for action in path:
        state = transition(state, action)
    assert state == end


def test_wrong_state_names_the_state() -> None:
    with pytest.raises(Conflict) as info:
        transition("approved", "approve")
    assert info.value.kind == "wrong-state"
    assert info.value.detail == "This request is already approved, so it cannot be approved."
    assert info.value.extra == {"status": "approved", "action": "approve"}
    with pytest.raises(Conflict, match="is rejected, so it cannot be cancelled"):
        transition("rejected", "cancel")


def test_unknown_names_are_programming_errors() -> None:
    with pytest.raises(ValueError):
        transition("lost", "teleport")
    with pytest.raises(ValueError):
        transition("limbo", "approve")


@given(st.sampled_from(r.STATES), st.sampled_from(r.ACTIONS))
def test_transition_follows_the_table_exactly(state: str, action: str) -> None:
    target = r.TRANSITIONS.get((state, action))
    if target is None:
        with pytest.raises(Conflict):
            transition(state, action)
        assert action not in r.allowed_actions(state)
    else:
        assert transition(state, action) == target and action in r.allowed_actions(state)


def test_holds_are_released_on_every_way_out_of_a_holding_state() -> None:
    for (source, action), target in r.TRANSITIONS.items():
        if source in r.HOLDING and target not in r.HOLDING:
            assert r.HOLD[action] in {"capture", "release"}, (source, action)
        if r.HOLD[action] == "place":
            assert source == "placing" and target in r.HOLDING


def test_every_state_is_reachable_from_placing() -> None:
    seen, frontier = {"placing"}, ["placing"]
    while frontier:
        state = frontier.pop()
        for action in r.allowed_actions(state):
            target = transition(state, action)
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    assert seen == set(r.STATES)


def test_two_approvers_needed() -> None:
    approvals = Approvals(2, MEMBER)
    state, approvals = approve("pending", approvals, ADMIN_A)
    assert state == "pending" and approvals.approver_ids == (ADMIN_A,)
    with pytest.raises(Conflict) as info:
        approve(state, approvals, ADMIN_A)
    assert info.value.kind == "already-approved"
    state, approvals = approve(state, approvals, ADMIN_B)
    assert state == "approved" and approvals.complete
    with pytest.raises(Conflict) as again:
        approve(state, approvals, uuid.uuid4())
    assert again.value.kind == "wrong-state"


def test_never_the_requester() -> None:
    with pytest.raises(Forbidden) as info:
        approve("pending", Approvals(1, MEMBER), MEMBER)
    assert info.value.kind == "own-request"


def test_one_approver_and_round_winners() -> None:
    assert approve("pending", Approvals(1, MEMBER), ADMIN_A)[0] == "approved"
    assert approve("won", Approvals(1, MEMBER), ADMIN_A)[0] == "approved"
    with pytest.raises(Conflict):
        approve("applied", Approvals(1, MEMBER), ADMIN_A)


@given(st.integers(1, 6), st.lists(st.integers(2, 9), max_size=12))
def test_approved_exactly_when_enough_distinct_approvers(needed: int, who: list[int]) -> None:
    state, approvals = "pending", Approvals(needed, MEMBER)
    distinct: list[int] = []
    for number in who:
        try:
            state, approvals = approve(state, approvals, uuid.UUID(int=number))
        except Conflict as exc:
            assert exc.kind == ("wrong-state" if state == "approved" else "already-approved")
        else:
            distinct.append(number)
    assert len(set(distinct)) == len(distinct) == min(needed, len(set(who)))
    assert (state == "approved") == (len(set(who)) >= needed)


def test_an_appeal_once_decided_by_another_administrator() -> None:
    state = r.appeal("rejected", already_appealed=False, appellant_id=MEMBER, requester_id=MEMBER)
    assert state == "appealed"
    with pytest.raises(Forbidden) as same:
        r.decide_appeal(state, granted=True, decider_id=ADMIN_A, rejected_by=ADMIN_A)
    assert same.value.kind == "same-administrator"
    assert r.decide_appeal(state, granted=False, decider_id=ADMIN_B, rejected_by=ADMIN_A) == (
        "rejected"
    )
    assert r.decide_appeal(state, granted=True, decider_id=ADMIN_B, rejected_by=ADMIN_A) == (
        "placing"
    )
    with pytest.raises(Conflict) as twice:
        r.appeal("rejected", already_appealed=True, appellant_id=MEMBER, requester_id=MEMBER)
    assert twice.value.kind == "already-appealed"


def test_appeal_refusals() -> None:
    with pytest.raises(Forbidden):
        r.appeal("rejected", already_appealed=False, appellant_id=ADMIN_A, requester_id=MEMBER)
    with pytest.raises(Conflict) as info:
        r.appeal("pending", already_appealed=False, appellant_id=MEMBER, requester_id=MEMBER)
    assert info.value.kind == "wrong-state"
    with pytest.raises(Conflict):
        r.decide_appeal("rejected", granted=True, decider_id=ADMIN_B, rejected_by=ADMIN_A)


def test_reasons() -> None:
    assert r.reason("  Not a resident.  ") == "Not a resident."
    for bad in (None, "", "   ", 5, "x" * 1001):
        with pytest.raises(Invalid) as info:
            r.reason(bad)
        assert info.value.errors is not None and list(info.value.errors) == ["reason"]
    with pytest.raises(Invalid) as named:
        r.reason("", "appeal_reason")
    assert named.value.errors == {"appeal_reason": ["A reason is required."]}


CODE = re.compile(r"[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){4}")


def test_voucher_codes_are_long_typable_and_different() -> None:
    codes = {r.voucher_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(CODE.fullmatch(code) for code in codes)
    assert r.VOUCHER_BITS >= 100
    assert math.log2(len(r.VOUCHER_ALPHABET)) * 20 >= 100
    assert not set("0O1I") & set(r.VOUCHER_ALPHABET)
    # every symbol turns up: the draw uses the whole alphabet
    assert set("".join(codes).replace("-", "")) == set(r.VOUCHER_ALPHABET)


@given(
    st.text(alphabet=r.VOUCHER_ALPHABET, min_size=20, max_size=20),
    st.sampled_from(["", " ", "-", " - ", "–"]),
)
def test_parser_forgives_case_spaces_and_dashes(symbols: str, separator: str) -> None:
    code = "-".join(symbols[i : i + 4] for i in range(0, 20, 4))
    typed = separator.join(symbols[i : i + 4] for i in range(0, 20, 4)).lower()
    assert r.parse_voucher_code(f"  {typed} ") == code
    assert r.parse_voucher_code(code) == code
    assert r.parse_voucher_code(r.parse_voucher_code(typed)) == code


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "ABCD-EFGH-JKLM-NPQR",
        "ABCD-EFGH-JKLM-NPQR-STUVW",
        "ABCD-EFGH-JKLM-NPQR-STU0",
        "ABCD-EFGH-JKLM-NPQR-STUO",
        "ABCD-EFGH-JKLM-NPQR-STU1",
        "ABCD-EFGH-JKLM-NPQR-STUI",
        "ABCD-EFGH-JKLM-NPQR-STU!",
        "ÄBCD-EFGH-JKLM-NPQR-STUV",
    ],
)
def test_parser_refuses_what_is_not_a_code(text: object) -> None:
    with pytest.raises(Invalid) as info:
        r.parse_voucher_code(text)
    assert info.value.errors is not None and list(info.value.errors) == ["code"]
