"""Property tests over the pure ledger: random operation sequences keep every invariant."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from services.points.domain import holds as hold_rules
from services.points.domain.ledger import REVERSAL, InsufficientPoints, verify_chain
from tests.helpers.points_book import Book

MEMBERS = [uuid.UUID(int=i + 1) for i in range(3)]
START = datetime(2026, 1, 1, tzinfo=UTC)
EXPIRIES = [START + timedelta(days=d) for d in (10, 20, 40)]

member = st.sampled_from(MEMBERS)
points = st.integers(min_value=1, max_value=200)
operation = st.one_of(
    st.tuples(st.just("award"), member, points, st.sampled_from(EXPIRIES)),
    st.tuples(
        st.just("adjust"), member, st.integers(-300, 300).filter(bool), st.sampled_from(EXPIRIES)
    ),
    st.tuples(st.just("hold"), member, points),
    st.tuples(st.just("capture"), st.integers(0, 30)),
    st.tuples(st.just("release"), st.integers(0, 30)),
    st.tuples(st.just("expire_hold"), st.integers(0, 30)),
    st.tuples(st.just("reverse"), st.integers(0, 30)),
    st.tuples(st.just("expire_lots"), st.integers(0, 45)),
    st.tuples(st.just("retry_award"), st.integers(0, 30)),
)


def run(ops: list[tuple]) -> tuple[Book, list[uuid.UUID], list[str]]:
    book = Book()
    hold_ids: list[uuid.UUID] = []
    award_keys: list[str] = []
    now = START
    for n, op in enumerate(ops):
        now = now + timedelta(hours=1)
        kind = op[0]
        try:
            if kind == "award":
                key = f"event:{n}"
                book.award(key, op[1], op[2], op[3], now)
                award_keys.append(key)
            elif kind == "retry_award" and award_keys:
                key = award_keys[op[1] % len(award_keys)]
                before = len(book.entries)
                m, amount, expires_at = book.awards[key]
                book.award(key, m, amount, expires_at, now)
                assert len(book.entries) == before, "a redelivered award paid twice"
            elif kind == "adjust":
                book.adjust(f"adj:{n}", op[1], op[2], op[3], now)
            elif kind == "hold":
                hold_id = uuid.uuid4()
                book.hold(hold_id, op[1], op[2], now)
                hold_ids.append(hold_id)
            elif kind in ("capture", "release", "expire_hold") and hold_ids:
                how = {
                    "capture": hold_rules.CAPTURED,
                    "release": hold_rules.RELEASED,
                    "expire_hold": hold_rules.EXPIRED,
                }[kind]
                book.end_hold(hold_ids[op[1] % len(hold_ids)], how, now)
            elif kind == "reverse" and award_keys:
                book.reverse(award_keys[op[1] % len(award_keys)], now)
            elif kind == "expire_lots":
                book.expire_lots(START + timedelta(days=op[1]))
        except (InsufficientPoints, hold_rules.HoldNotActive):
            pass
        check_invariants(book)
    return book, hold_ids, award_keys


def check_invariants(book: Book) -> None:
    posted = sum(s.available + s.held for s in book.members.values())
    assert posted + sum(book.system.values()) == 0, "the ledger does not sum to zero"
    for state in book.members.values():
        assert state.available >= 0 and state.held >= 0
        assert state.lots is not None
        assert sum(state.lots.values()) == state.available, "lots disagree with available"
        assert all(n > 0 for n in state.lots.values())
        active = sum(
            h.amount
            for h in book.holds.values()
            if h.member_id == state.member_id and h.status == hold_rules.ACTIVE
        )
        assert active == state.held, "held disagrees with the active holds"
        # a clawback is never forgiven: what it could not take is owed until recovered
        owed = book.owed.get(state.member_id, 0)
        clawed = sum(
            e.amount for e in book.entries if e.member_id == state.member_id and e.kind == REVERSAL
        )
        assert owed >= 0
        assert clawed + owed == book.reversed_awards.get(state.member_id, 0)


@settings(max_examples=300, deadline=None)
@given(st.lists(operation, max_size=60))
def test_random_sequences_keep_the_ledger_whole(ops):
    book, hold_ids, _ = run(ops)
    for state in book.members.values():
        problems = verify_chain(
            state.member_id,
            book.member_entries(state.member_id),
            state.available,
            state.held,
            state.seq,
            state.last_hash,
        )
        assert problems == [], problems
    for hold in book.holds.values():
        assert hold.endings <= 1
        ending = [e for e in book.entries if e.reference == f"hold-end:{hold.id}"]
        assert len(ending) == (0 if hold.status == hold_rules.ACTIVE else 1)


@settings(max_examples=100, deadline=None)
@given(st.lists(operation, min_size=1, max_size=40), st.data())
def test_tampering_with_any_entry_is_found(ops, data):
    book, _, _ = run([("award", MEMBERS[0], 50, EXPIRIES[0]), *ops])
    state = book.members[MEMBERS[0]]
    entries = book.member_entries(MEMBERS[0])
    victim = data.draw(st.integers(0, len(entries) - 1))
    entries[victim].amount += 1
    problems = verify_chain(
        MEMBERS[0], entries, state.available, state.held, state.seq, state.last_hash
    )
    assert any(p.check == "chain" for p in problems)


def test_spending_takes_the_lots_that_expire_first():
    book = Book()
    m = MEMBERS[0]
    book.award("late", m, 100, EXPIRIES[2], START)
    book.award("soon", m, 30, EXPIRIES[0], START)
    book.adjust("spend", m, -50, EXPIRIES[0], START)
    assert book.members[m].lots == {EXPIRIES[2]: 80}
    expired = book.expire_lots(EXPIRIES[1])
    assert expired == []
    expired = book.expire_lots(EXPIRIES[2])
    assert [e.amount for e in expired] == [80]
    assert book.members[m].available == 0


def test_a_released_hold_gives_points_back_to_their_lots():
    book = Book()
    m = MEMBERS[0]
    book.award("a", m, 40, EXPIRIES[0], START)
    book.award("b", m, 40, EXPIRIES[1], START)
    hold_id = uuid.uuid4()
    book.hold(hold_id, m, 60, START)
    assert book.members[m].lots == {EXPIRIES[1]: 20}
    book.end_hold(hold_id, hold_rules.RELEASED, START)
    book.end_hold(hold_id, hold_rules.RELEASED, START)  # a retry changes nothing
    assert book.members[m].lots == {EXPIRIES[0]: 40, EXPIRIES[1]: 40}
    assert book.members[m].available == 80 and book.members[m].held == 0


def test_one_altered_entry_early_in_a_long_history_is_reported_briefly():
    book = Book()
    m = MEMBERS[0]
    for n in range(200):
        book.award(f"e{n}", m, 5, EXPIRIES[0], START)
    entries = book.member_entries(m)
    entries[0].amount = 6  # every later replay is now off by one
    state = book.members[m]
    problems = verify_chain(
        m, iter(entries), state.available, state.held, state.seq, state.last_hash
    )
    checks = [p.check for p in problems]
    assert checks[0] == "chain" and "altered" in problems[0].detail
    assert checks.count("more") == 1 and len(problems) <= 23
    assert "balance" in checks
