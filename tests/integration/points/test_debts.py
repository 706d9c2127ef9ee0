"""A clawback of points already spent or held leaves a debt, recovered from the next earnings."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from tests.helpers.points_db import points_engine
from tests.helpers.points_events import envelope

HOLDS = "/internal/v1/points/holds"


def _hold(client, service_header, member, amount):
    answer = client.post(
        HOLDS,
        json={"member_id": str(member), "amount": amount, "reference": "redemption:x"},
        headers={**service_header, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert answer.status_code == 201, answer.json
    return answer.json["hold"]


def _all_held_then_clawed_back(set_rule, run_batch, client, service_header):
    """A member paid 10, all of it held, then the award reversed: 10 owed."""
    set_rule("checkin.recorded", 10, daily_cap=1000)
    member = uuid.uuid4()
    award = envelope("checkin.recorded", member)
    run_batch([award])
    _hold(client, service_header, member, 10)
    run_batch([envelope("award.reversed", member, {"reverses_event_id": award["id"]})])
    return member, award


def test_a_clawback_of_held_points_is_owed_and_recovered_from_the_next_awards(
    set_rule, run_batch, client, admin, service_header, balance_of, reconciled
):
    set_rule("report.verified", 50, daily_cap=1000)
    member = uuid.uuid4()
    paid = envelope("report.verified", member, {"report_id": str(uuid.uuid4())})
    paid_twice = envelope("report.verified", member)
    run_batch([paid, paid_twice])
    _hold(client, service_header, member, 80)  # 20 left available
    run_batch([envelope("award.reversed", member, {"reverses_event_id": paid["id"]})])
    balance = balance_of(member)
    assert (balance["available"], balance["held"], balance["owed"]) == (0, 80, 30)

    # the next earnings pay the debt first, and the member sees it
    run_batch([envelope("report.verified", member)])
    balance = balance_of(member)
    assert (balance["available"], balance["owed"]) == (20, 0)
    history = client.get(f"/api/v1/points/transactions?member_id={member}", headers=admin).json[
        "items"
    ]
    recovery = history[0]
    assert recovery["kind"] == "reversal" and recovery["amount"] == -30
    assert "owed" in recovery["description"]
    assert reconciled()["ok"]


def test_a_debt_larger_than_one_award_is_recovered_over_several(
    set_rule, run_batch, service_header, client, balance_of, reconciled
):
    member, award = _all_held_then_clawed_back(set_rule, run_batch, client, service_header)
    assert balance_of(member)["owed"] == 10
    # a second reversal of the same award owes nothing more
    run_batch([envelope("award.reversed", member, {"reverses_event_id": award["id"]})])
    assert balance_of(member)["owed"] == 10
    next_award = envelope("checkin.recorded", member)
    set_rule("checkin.recorded", 4, daily_cap=1000)
    for _ in range(2):
        run_batch([envelope("checkin.recorded", member)])
    run_batch([next_award, next_award])  # (paid by the rule of its time; redelivered once)
    balance = balance_of(member)
    assert (balance["available"], balance["owed"]) == (8, 0)  # 4 + 4 + 10 earned, 10 owed
    assert reconciled()["ok"]


def test_reconcile_finds_a_debt_that_does_not_add_up(
    set_rule, run_batch, service_header, client, reconciled
):
    member, award = _all_held_then_clawed_back(set_rule, run_batch, client, service_header)
    assert reconciled()["ok"]
    with points_engine().begin() as c:
        c.execute(sa.text("UPDATE accounts SET owed = 3 WHERE member_id = :m"), {"m": member})
    report = reconciled()
    assert not report["ok"]
    assert any(p["check"] == "debts" for p in report["problems"])
