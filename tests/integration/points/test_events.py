"""The event consumer: rules at the time of the event, caps, reversals, parking, redelivery."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from services.points.usecases import awards
from tests.helpers.points_db import points_engine
from tests.helpers.points_events import envelope, raw_envelope, with_data


def test_hours_are_paid_per_hour_prorated_by_minutes(set_rule, run_batch, balance_of, reconciled):
    set_rule("hours.approved", 12, "hour")
    member = uuid.uuid4()
    result = run_batch([envelope("hours.approved", member, {"minutes": 95})])
    assert result["paid"] == 1 and result["points"] == 19  # 12 * 95 / 60, rounded down
    balance = balance_of(member)
    assert (balance["available"], balance["lifetime_earned"]) == (19, 19)
    assert reconciled()["ok"]


def test_a_redelivered_event_pays_once(set_rule, run_batch, balance_of):
    set_rule("report.verified", 20)
    member = uuid.uuid4()
    event = envelope("report.verified", member)
    assert run_batch([event])["paid"] == 1
    again = run_batch([event, event])
    assert again["paid"] == 0 and again["duplicates"] == 1
    assert balance_of(member)["available"] == 20


def test_the_daily_cap_trims_the_award_and_keeps_the_event(set_rule, run_batch, balance_of):
    set_rule("checkin.recorded", 5, daily_cap=12)
    member = uuid.uuid4()
    day = datetime.now(UTC) + timedelta(seconds=1)  # after the rule came into force
    batch = [
        envelope("checkin.recorded", member, occurred_at=day + timedelta(microseconds=i))
        for i in range(3)
    ]
    result = run_batch(batch)
    assert result["points"] == 12  # 5 + 5 + 2
    assert run_batch([envelope("checkin.recorded", member, occurred_at=day)])["points"] == 0
    # the next day starts afresh
    assert (
        run_batch([envelope("checkin.recorded", member, occurred_at=day + timedelta(days=1))])[
            "points"
        ]
        == 5
    )
    assert balance_of(member)["available"] == 17
    with points_engine().connect() as c:
        notes = c.execute(sa.text("SELECT note FROM processed_events WHERE note IS NOT NULL"))
        assert sorted(n for (n,) in notes) == [
            "daily cap 12: paid 0 of 5",
            "daily cap 12: paid 2 of 5",
        ]


def test_an_event_is_paid_by_the_rule_in_force_when_it_occurred(set_rule, run_batch, balance_of):
    first = set_rule("task.completed", 10)
    before = datetime.fromisoformat(first["effective_from"])  # the second is set after it
    set_rule("task.completed", 50)
    member = uuid.uuid4()
    run_batch([envelope("task.completed", member, occurred_at=before)])
    assert balance_of(member)["available"] == 10
    run_batch([envelope("task.completed", member)])
    assert balance_of(member)["available"] == 60


def test_unknown_and_malformed_events_are_kept_for_inspection(run_batch, client, admin, set_rule):
    set_rule("report.verified", 20)
    set_rule("hours.approved", 10, "hour")
    member = uuid.uuid4()
    odd = raw_envelope("parcel.delivered", member)
    broken = {"type": "report.verified", "data": {}}
    no_minutes = with_data(envelope("hours.approved", member, {"minutes": 5}), minutes=None)
    result = run_batch([odd, broken, no_minutes])
    assert result["parked"] == 3 and result["paid"] == 0
    assert run_batch([odd])["parked"] == 0  # kept once, not twice
    listed = client.get("/api/v1/points/parked-events", headers=admin).json["items"]
    reasons = {e["type"]: e["reason"] for e in listed}
    assert reasons["parcel.delivered"].startswith("unknown event type")
    assert reasons["report.verified"].startswith("malformed envelope")
    assert reasons["hours.approved"].startswith("bad event data")
    assert any(e["envelope"] == odd for e in listed)


def test_a_reversal_claws_the_award_back(
    set_rule, run_batch, balance_of, reconciled, client, auth_header
):
    set_rule("report.verified", 20)
    member = uuid.uuid4()
    award = envelope("report.verified", member)
    run_batch([award])
    reversal = envelope(
        "award.reversed", member, {"reverses_event_id": award["id"], "reason": "duplicate report"}
    )
    assert run_batch([reversal])["reversed"] == 1
    assert run_batch([reversal])["reversed"] == 0
    balance = balance_of(member)
    assert (balance["available"], balance["lifetime_earned"]) == (0, 0)
    items = client.get("/api/v1/points/transactions", headers=auth_header(user_id=member)).json[
        "items"
    ]
    assert [(t["kind"], t["amount"]) for t in items] == [("reversal", -20), ("award", 20)]
    assert "duplicate report" in items[0]["description"]
    assert reconciled()["ok"]


def test_a_reversal_that_arrives_first_stops_the_award(set_rule, run_batch, balance_of):
    set_rule("report.verified", 20)
    member = uuid.uuid4()
    award = envelope("report.verified", member)
    reversal = envelope("award.reversed", member, {"reverses_event_id": award["id"]})
    run_batch([reversal])
    assert run_batch([award])["paid"] == 0
    assert balance_of(member)["available"] == 0


def test_a_reversal_takes_back_only_what_is_left(set_rule, run_batch, client, admin, balance_of):
    set_rule("report.verified", 20)
    member = uuid.uuid4()
    award = envelope("report.verified", member)
    run_batch([award])
    spent = client.post(
        "/api/v1/points/adjustments",
        json={"member_id": str(member), "amount": -15, "reason": "test"},
        headers={**admin, "Idempotency-Key": "k1"},
    )
    assert spent.status_code == 201
    run_batch([envelope("award.reversed", member, {"reverses_event_id": award["id"]})])
    balance = balance_of(member)
    assert balance["available"] == 0 and balance["lifetime_earned"] == 15


def test_awards_count_on_the_leaderboards_and_rebuild_when_lost(
    set_rule, run_batch, client, auth_header, redis_client
):
    set_rule("task.completed", 10)
    org, other = uuid.uuid4(), uuid.uuid4()
    alice, bob = uuid.uuid4(), uuid.uuid4()
    when = datetime.now(UTC)
    month = when.strftime("%Y-%m")
    before = (when.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    run_batch(
        [
            envelope("task.completed", alice, {"organization_id": str(org)}, occurred_at=when),
            envelope("task.completed", alice, {"organization_id": str(org)}, occurred_at=when),
            envelope("task.completed", bob, {"organization_id": str(other)}, occurred_at=when),
        ]
    )
    header = auth_header()

    def board(query: str) -> list[tuple[str, int]]:
        response = client.get(f"/api/v1/points/leaderboard?{query}", headers=header)
        assert response.status_code == 200, response.json
        return [(i["member_id"], i["points"]) for i in response.json["items"]]

    assert board(f"organization_id={org}&period={month}") == [(str(alice), 20)]
    assert board(f"period={month}") == [(str(alice), 20), (str(bob), 10)]
    # boards that exist are kept up to date by the consumer
    run_batch(
        [envelope("task.completed", bob, {"organization_id": str(other)}, occurred_at=when)] * 1
    )
    run_batch([envelope("task.completed", bob, {"organization_id": str(other)}, occurred_at=when)])
    assert board(f"period={month}") == [(str(bob), 30), (str(alice), 20)]
    redis_client.flushdb()
    assert board(f"period={month}") == [(str(bob), 30), (str(alice), 20)]
    assert board(f"period={before}") == []
    bad = client.get("/api/v1/points/leaderboard?period=2026-13", headers=header)
    assert bad.status_code == 422


def test_a_poisonous_event_is_parked_and_its_batch_still_paid(
    set_rule, run_batch, balance_of, client, admin, reconciled, monkeypatch
):
    set_rule("hours.approved", 10, "hour")
    good, bad = uuid.uuid4(), uuid.uuid4()
    # huge minutes used to overflow the journal; every rule is capped now, so the poison is
    # an error of the code itself, for this one event
    poison = envelope("hours.approved", bad, {"minutes": 13})
    describe = awards.describe

    def failing(event_type: str, points: int, minutes: int | None = None) -> str:
        if minutes == 13:
            raise RuntimeError("a bug that only this event finds")
        return describe(event_type, points, minutes)

    monkeypatch.setattr(awards, "describe", failing)
    result = run_batch(
        [
            envelope("hours.approved", good, {"minutes": 60}),
            poison,
            envelope("hours.approved", good, {"minutes": 30}),
        ]
    )
    assert (result["paid"], result["parked"]) == (2, 1)
    assert balance_of(good)["available"] == 15
    assert balance_of(bad)["available"] == 0
    parked = client.get("/api/v1/points/parked-events", headers=admin).json["items"]
    assert [p["event_id"] for p in parked] == [poison["id"]]
    assert parked[0]["reason"].startswith("failed to pay")
    assert run_batch([poison])["duplicates"] == 1
    assert reconciled()["ok"]


def test_a_second_reversal_of_the_same_award_takes_nothing_more(
    set_rule, run_batch, balance_of, reconciled
):
    set_rule("report.verified", 20)
    member = uuid.uuid4()
    award = envelope("report.verified", member)
    run_batch([award, envelope("report.verified", member)])
    first, second, third = (
        envelope("award.reversed", member, {"reverses_event_id": award["id"]}) for _ in range(3)
    )
    assert run_batch([first, second])["reversed"] == 1
    assert run_batch([third])["reversed"] == 0
    assert balance_of(member)["available"] == 20
    with points_engine().connect() as c:
        notes = c.execute(
            sa.text("SELECT note FROM processed_events WHERE event_id IN (:a, :b, :c)"),
            {"a": first["id"], "b": second["id"], "c": third["id"]},
        ).scalars()
        assert (
            sorted(notes, key=str) == [None] + [f"event {award['id']} was clawed back already"] * 2
        )
    assert reconciled()["ok"]


def test_an_award_and_its_reversal_in_one_batch(set_rule, run_batch, balance_of, reconciled):
    set_rule("report.verified", 20)
    member = uuid.uuid4()
    award = envelope("report.verified", member)
    reversal = envelope("award.reversed", member, {"reverses_event_id": award["id"]})
    result = run_batch([reversal, award])
    assert (result["paid"], result["reversed"]) == (1, 1)
    assert balance_of(member)["available"] == 0
    # redelivered together with a second reversal: nothing moves
    again = run_batch(
        [award, envelope("award.reversed", member, {"reverses_event_id": award["id"]})]
    )
    assert (again["paid"], again["reversed"]) == (0, 0)
    assert reconciled()["ok"]


def test_crossed_awards_and_reversals_in_parallel_batches_do_not_deadlock(
    set_rule, run_batch, balance_of, reconciled
):
    """Batch A carries award 1 and the reversal of award 2, batch B the other way round:
    each claims an id the other wants, and the claims must not wait on each other in a
    circle."""
    import threading

    set_rule("report.verified", 20)
    errors: list[BaseException] = []
    for _ in range(10):
        m1, m2 = uuid.uuid4(), uuid.uuid4()
        a1, a2 = envelope("report.verified", m1), envelope("report.verified", m2)
        r1 = envelope("award.reversed", m1, {"reverses_event_id": a1["id"]})
        r2 = envelope("award.reversed", m2, {"reverses_event_id": a2["id"]})
        barrier = threading.Barrier(2)

        def run(batch, barrier=barrier):
            barrier.wait()
            try:
                run_batch(batch)
            except BaseException as exc:
                errors.append(exc)

        threads = [
            threading.Thread(target=run, args=([a1, r2],)),
            threading.Thread(target=run, args=([a2, r1],)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors, errors
        # whichever came first, each award is either paid and clawed back or never paid
        assert balance_of(m1)["available"] == 0 and balance_of(m2)["available"] == 0
    assert reconciled()["ok"]


def test_a_board_kept_up_to_date_says_what_its_rebuild_says_after_a_clawback(
    set_rule, run_batch, client, auth_header, redis_client
):
    set_rule("task.completed", 10)
    org = uuid.uuid4()
    alice, bob = uuid.uuid4(), uuid.uuid4()
    when = datetime.now(UTC)
    month = when.strftime("%Y-%m")
    award = envelope("task.completed", alice, {"organization_id": str(org)}, occurred_at=when)
    run_batch([award, envelope("task.completed", bob, {"organization_id": str(org)})])
    header = auth_header()

    def board(query: str) -> list[tuple[str, int]]:
        response = client.get(f"/api/v1/points/leaderboard?{query}", headers=header)
        assert response.status_code == 200, response.json
        return [(i["member_id"], i["points"]) for i in response.json["items"]]

    queries = (f"organization_id={org}&period={month}", f"period={month}")
    for query in queries:  # the boards now exist and are incremented from here on
        assert sorted(board(query)) == sorted([(str(alice), 10), (str(bob), 10)])
    run_batch([envelope("award.reversed", alice, {"reverses_event_id": award["id"]})])
    kept = [board(query) for query in queries]
    redis_client.flushdb()
    rebuilt = [board(query) for query in queries]
    assert rebuilt == [[(str(bob), 10)], [(str(bob), 10)]]
    assert kept == rebuilt


def test_a_batch_the_database_refuses_fails_whole_and_parks_nothing(
    points_app, set_rule, run_batch, balance_of
):
    """A statement the database refuses for every event (a missing grant, a table or column
    a pending migration adds) is not the events' fault: parking them would mark them
    processed and never pay them. The job fails instead, and RQ retries it."""
    from sqlalchemy.exc import ProgrammingError

    from services.points import jobs

    set_rule("task.completed", 10)
    member = uuid.uuid4()
    batch = [envelope("task.completed", member) for _ in range(2)]
    engine = points_engine()
    with engine.begin() as c:
        c.execute(sa.text("REVOKE INSERT ON transfers FROM points_service"))
    try:
        with points_app.app_context(), pytest.raises(ProgrammingError):
            jobs.process_batch(batch)
    finally:
        with engine.begin() as c:
            c.execute(sa.text("GRANT INSERT ON transfers TO points_service"))
    with engine.connect() as c:
        assert c.execute(sa.text("SELECT count(*) FROM parked_events")).scalar() == 0
        assert c.execute(sa.text("SELECT count(*) FROM processed_events")).scalar() == 0
    assert run_batch(batch)["paid"] == 2  # the retry, once the grant is back
    assert balance_of(member)["available"] == 20


def test_bad_minutes_or_a_date_past_the_calendar_are_parked_without_splitting_the_batch(
    points_app, set_rule, balance_of, monkeypatch
):
    from services.points import jobs
    from services.points.usecases import awards

    set_rule("hours.approved", 60, "hour")
    member = uuid.uuid4()
    batch = [
        envelope("hours.approved", member, {"minutes": 30}),
        with_data(envelope("hours.approved", member, {"minutes": 5}), minutes="half an hour"),
        envelope(
            "hours.approved", member, {"minutes": 5}, occurred_at=datetime(9999, 6, 1, tzinfo=UTC)
        ),
    ]
    calls = []
    real = awards.handle_events
    monkeypatch.setattr(awards, "handle_events", lambda *a, **k: calls.append(1) or real(*a, **k))
    with points_app.app_context():
        result = jobs.process_batch(batch)
    assert (result["paid"], result["parked"]) == (1, 2)
    assert len(calls) == 1  # paid in one transaction, not split event by event
    with points_engine().connect() as c:
        reasons = c.execute(sa.text("SELECT reason FROM parked_events")).scalars().all()
    assert all(r.startswith("bad event data") for r in reasons), reasons
    assert balance_of(member)["available"] == 30
