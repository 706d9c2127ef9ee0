"""Model-based: random operation sequences on PostgreSQL agree with the in-memory ledger.

The in-memory :class:`Book` is the specification the property tests check; here the same
random sequences run through the database use cases, and after every step balances,
lifetime earnings and lots must be the same in both, and reconcile must find nothing.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.app import session
from common.errors import DomainError
from services.points.adapters.models import EarningRule, Lot
from services.points.domain import holds as hold_rules
from services.points.domain.ledger import InsufficientPoints
from services.points.usecases import accounts, awards, holds
from services.points.usecases import reconcile as ledger_check
from services.points.usecases.accounts import Adjustment
from services.points.usecases.holds import HoldRequest
from tests.helpers.points_book import Book
from tests.helpers.points_events import envelope

MEMBERS = 2
operation = st.one_of(
    st.tuples(st.just("award"), st.integers(0, MEMBERS - 1), st.integers(1, 120)),
    st.tuples(st.just("adjust"), st.integers(0, MEMBERS - 1), st.integers(-150, 150).filter(bool)),
    st.tuples(st.just("hold"), st.integers(0, MEMBERS - 1), st.integers(1, 150)),
    st.tuples(st.just("capture"), st.integers(0, 20)),
    st.tuples(st.just("release"), st.integers(0, 20)),
    st.tuples(st.just("reverse"), st.integers(0, 20)),
    st.tuples(st.just("reverse"), st.just(0)),  # the first award, again and again
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(operation, min_size=1, max_size=25))
def test_the_database_ledger_behaves_like_the_model(points_app, ops):
    config = points_app.extensions["points_config"]
    members = [uuid.uuid4() for _ in range(MEMBERS)]
    book = Book()
    hold_ids: list[uuid.UUID] = []  # the database's hold ids, in order
    book_holds: list[uuid.UUID] = []
    paid: list[tuple[str, str]] = []  # (event id, book key)
    now = datetime.now(UTC)
    with points_app.app_context():
        db = session()
        _rule_per_minute(db)
        for n, op in enumerate(ops):
            kind = op[0]
            if kind == "award":
                member, points = members[op[1]], op[2]
                # a per-hour rule of 60 points pays `minutes` points
                event_id = str(uuid.uuid4())
                award = envelope(
                    "hours.approved",
                    member,
                    {"minutes": points},
                    occurred_at=now,
                    event_id=uuid.UUID(event_id),
                )
                awards.handle_events(db, config, [award])
                db.commit()
                book.award(event_id, member, points, config.expiry.expires_at(now), now)
                paid.append((event_id, event_id))
            elif kind == "adjust":
                member, amount = members[op[1]], op[2]
                try:
                    accounts.adjust(
                        db,
                        config,
                        Adjustment(member, amount, "model"),
                        actor=uuid.UUID(int=0),
                        idempotency_key=f"model-{uuid.uuid4()}",
                    )
                    db.commit()
                    failed_db = False
                except DomainError as problem:
                    assert problem.kind == "insufficient-points"
                    db.rollback()
                    failed_db = True
                try:
                    book.adjust(f"adj:{n}", member, amount, config.expiry.expires_at(now), now)
                    failed_book = False
                except InsufficientPoints:
                    failed_book = True
                assert failed_db == failed_book
            elif kind == "hold":
                member, amount = members[op[1]], op[2]
                try:
                    placed = holds.place(
                        db,
                        config,
                        HoldRequest(member, amount, "model", deadline=now + timedelta(hours=1)),
                        idempotency_key=f"model-{uuid.uuid4()}",
                        fingerprint=b"x" * 32,
                    )
                    db.commit()
                    hold_ids.append(placed.hold.id)
                except DomainError as problem:
                    assert problem.kind == "insufficient-points"
                    db.rollback()
                try:
                    book_id = uuid.uuid4()
                    book.hold(book_id, member, amount, now)
                    book_holds.append(book_id)
                except InsufficientPoints:
                    pass
                assert len(hold_ids) == len(book_holds)
            elif kind in ("capture", "release") and hold_ids:
                i = op[1] % len(hold_ids)
                how = hold_rules.CAPTURED if kind == "capture" else hold_rules.RELEASED
                try:
                    holds.end(db, config, hold_ids[i], how)
                    db.commit()
                    failed_db = False
                except DomainError as problem:
                    assert problem.kind == "hold-not-active"
                    db.rollback()
                    failed_db = True
                try:
                    book.end_hold(book_holds[i], how, now)
                    failed_book = False
                except hold_rules.HoldNotActive:
                    failed_book = True
                assert failed_db == failed_book
            elif kind == "reverse" and paid:
                event_id, key = paid[op[1] % len(paid)]
                reversal = envelope(
                    "award.reversed", members[0], {"reverses_event_id": event_id}, occurred_at=now
                )
                awards.handle_events(db, config, [reversal])
                db.commit()
                book.reverse(key, now)
            for member in members:
                got = accounts.balance(db, member, config)
                state = book.members.get(member)
                want = (state.available, state.held, state.lifetime_earned) if state else (0, 0, 0)
                assert (got.available, got.held, got.lifetime_earned) == want, op
                lots = dict(
                    db.execute(
                        sa.select(Lot.expires_at, Lot.remaining).where(
                            Lot.member_id == member, Lot.remaining > 0
                        )
                    ).all()
                )
                assert lots == ((state.lots or {}) if state else {}), op
            db.rollback()
        report = ledger_check.reconcile(db)
        db.rollback()
        assert report.ok, report.as_dict()["problems"]


def _rule_per_minute(db) -> None:
    exists = db.scalar(
        sa.select(sa.func.count())
        .select_from(EarningRule)
        .where(EarningRule.event_type == "hours.approved")
    )
    if not exists:
        db.add(
            EarningRule(
                event_type="hours.approved",
                points=60,
                per="hour",
                daily_cap=10**9,  # the model has no caps
                effective_from=datetime(2000, 1, 1, tzinfo=UTC),
            )
        )
        db.commit()
