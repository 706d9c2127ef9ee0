"""Allocation rounds: the rule, the lottery for ties, and recomputing a published round."""

from __future__ import annotations

import copy
import random
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.errors import Invalid
from services.rewards.domain.rounds import (
    APPLICATION_TIME,
    POINTS,
    RULES,
    SERVICE_HOURS,
    Application,
    NotReproducible,
    Ranked,
    new_seed,
    parse_rule,
    published_ranking,
    rank,
    recompute,
    seed_hash,
    ticket,
    verify_seed,
)

OPENS = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SEED_A = "a" * 64
# fixed by a shell, not by this module: printf %s "$SEED_A" | sha256sum, and
# printf %s 00000000-0000-0000-0000-000000000001 | openssl dgst -sha256 -hmac "$SEED_A"
SEED_A_HASH = "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"
TICKET_OF_1 = "5e4b2dc2683e3c89581d31069a12d9c2b43892706d5acb55e453ba99dc76c454"

seeds = st.binary(min_size=32, max_size=32).map(bytes.hex)
applications = st.lists(
    st.builds(
        Application,
        application_id=st.uuids(),
        # few distinct values, so that ties are common
        applied_at=st.integers(0, 5).map(lambda s: OPENS + timedelta(seconds=s)),
        service_minutes=st.integers(0, 4).map(lambda h: h * 600),
        lifetime_points=st.integers(0, 4),
    ),
    max_size=40,
    unique_by=lambda a: a.application_id,
)
rules = st.sampled_from(RULES)


def better_first(rule: str, earlier: Ranked, later: Ranked) -> bool:
    """Whether the rule alone puts ``earlier`` strictly first (no lottery needed)."""
    if rule == APPLICATION_TIME:
        return earlier.applied_at < later.applied_at
    assert isinstance(earlier.metric, int) and isinstance(later.metric, int)
    return earlier.metric > later.metric


def test_seed_commitment() -> None:
    seed = new_seed()
    assert len(seed) == 64 and int(seed, 16) >= 0 and seed == seed.lower()
    assert new_seed() != seed
    assert verify_seed(seed, seed_hash(seed)) and verify_seed(seed, seed_hash(seed).upper())
    assert not verify_seed(new_seed(), seed_hash(seed))
    assert not verify_seed(seed.upper(), seed_hash(seed))
    assert not verify_seed("short", seed_hash(seed))


def test_hash_and_ticket_match_what_a_shell_computes() -> None:
    assert seed_hash(SEED_A) == SEED_A_HASH
    assert ticket(SEED_A, uuid.UUID(int=1)) == TICKET_OF_1


@pytest.mark.parametrize("seed", ["", "a" * 63, "A" * 64, "g" * 64, "a" * 65])
def test_malformed_seeds_are_refused(seed: str) -> None:
    with pytest.raises(ValueError):
        seed_hash(seed)
    with pytest.raises(ValueError):
        ticket(seed, uuid.UUID(int=1))


def test_rule_names() -> None:
    assert parse_rule("points") == POINTS
    with pytest.raises(Invalid) as info:
        parse_rule("first_come")
    assert info.value.errors is not None and list(info.value.errors) == ["rule"]


def test_application_needs_an_aware_time_and_counts() -> None:
    with pytest.raises(ValueError):
        Application(uuid.uuid4(), datetime(2026, 12, 1, 9, 0))
    with pytest.raises(ValueError):
        Application(uuid.uuid4(), OPENS, service_minutes=-1)


def test_each_rule_orders_by_its_metric() -> None:
    a = Application(uuid.UUID(int=1), OPENS + timedelta(minutes=2), 600, 10)
    b = Application(uuid.UUID(int=2), OPENS + timedelta(minutes=1), 6000, 5)
    c = Application(uuid.UUID(int=3), OPENS + timedelta(minutes=3), 60, 50)

    def ids(rule: str) -> list[int]:
        return [r.application_id.int for r in rank([a, b, c], rule, SEED_A, 1)]

    assert ids(SERVICE_HOURS) == [2, 1, 3]
    assert ids(POINTS) == [3, 1, 2]
    assert ids(APPLICATION_TIME) == [2, 1, 3]
    assert rank([a], APPLICATION_TIME, SEED_A, 1)[0].metric == "2026-12-01T09:02:00.000000+00:00"


def test_ten_places_among_thirty_applicants() -> None:
    pool = [Application(uuid.uuid4(), OPENS, service_minutes=60 * (i % 4)) for i in range(30)]
    ranked = rank(pool, SERVICE_HOURS, new_seed(), 10)
    assert sum(r.won for r in ranked) == 10
    assert [r.won for r in ranked] == [True] * 10 + [False] * 20
    assert [r.rank for r in ranked] == list(range(1, 31))


def test_more_places_than_applicants_and_none_at_all() -> None:
    pool = [Application(uuid.uuid4(), OPENS) for _ in range(3)]
    assert all(r.won for r in rank(pool, POINTS, SEED_A, 5))
    assert not any(r.won for r in rank(pool, POINTS, SEED_A, 0))
    assert rank([], POINTS, SEED_A, 5) == []


def test_bad_calls_are_refused() -> None:
    one = Application(uuid.UUID(int=1), OPENS)
    with pytest.raises(ValueError):
        rank([one, one], POINTS, SEED_A, 1)
    with pytest.raises(ValueError):
        rank([one], "first_come", SEED_A, 1)
    with pytest.raises(ValueError):
        rank([one], POINTS, SEED_A, -1)
    with pytest.raises(ValueError):
        one.metric("first_come")


@given(applications, rules, seeds, st.integers(0, 45), st.randoms(use_true_random=False))
def test_ranking_is_a_total_deterministic_order(
    pool: list[Application], rule: str, seed: str, places: int, rnd: random.Random
) -> None:
    ranked = rank(pool, rule, seed, places)
    shuffled = pool[:]
    rnd.shuffle(shuffled)
    assert rank(shuffled, rule, seed, places) == ranked
    assert [r.rank for r in ranked] == list(range(1, len(pool) + 1))
    assert {r.application_id for r in ranked} == {a.application_id for a in pool}
    assert sum(r.won for r in ranked) == min(places, len(pool))
    assert all(r.won == (r.rank <= places) for r in ranked)


@given(applications, rules, seeds)
def test_ties_and_only_ties_are_broken_by_ticket(
    pool: list[Application], rule: str, seed: str
) -> None:
    ranked = rank(pool, rule, seed, 0)
    for earlier, later in zip(ranked, ranked[1:], strict=False):
        assert not better_first(rule, later, earlier)
        if not better_first(rule, earlier, later):
            assert earlier.metric == later.metric and earlier.ticket < later.ticket
        assert earlier.ticket == ticket(seed, earlier.application_id)


@given(applications, rules, seeds, seeds)
def test_another_seed_permutes_only_ties(
    pool: list[Application], rule: str, seed: str, other: str
) -> None:
    first, second = rank(pool, rule, seed, 0), rank(pool, rule, other, 0)
    assert [r.metric for r in first] == [r.metric for r in second]
    for metric in {r.metric for r in first}:
        assert [r.rank for r in first if r.metric == metric] == [
            r.rank for r in second if r.metric == metric
        ]


@given(applications, rules, seeds, st.integers(0, 45))
def test_a_published_round_recomputes(
    pool: list[Application], rule: str, seed: str, places: int
) -> None:
    ranked = rank(pool, rule, seed, places)
    public = published_ranking(rule, seed, places, ranked)
    assert recompute(public) == [
        Ranked(r.application_id, r.applied_at, r.rank, r.metric, r.ticket, r.won) for r in ranked
    ]


def published_round(rule: str = SERVICE_HOURS) -> dict[str, Any]:
    pool = [
        Application(
            uuid.uuid4(),
            OPENS + timedelta(seconds=i % 3),
            service_minutes=600 * (i % 3),
            lifetime_points=i % 3,
        )
        for i in range(30)
    ]
    seed = new_seed()
    return published_ranking(rule, seed, 10, rank(pool, rule, seed, 10))


def swap_ranks(p: dict[str, Any]) -> None:
    a, b = p["applications"][0], p["applications"][-1]
    a["rank"], b["rank"] = b["rank"], a["rank"]
    p["applications"].sort(key=lambda e: e["rank"])


def swap_tied_neighbours(p: dict[str, Any]) -> None:
    entries = p["applications"]
    i = next(i for i in range(len(entries) - 1) if entries[i]["metric"] == entries[i + 1]["metric"])
    entries[i], entries[i + 1] = entries[i + 1], entries[i]
    entries[i]["rank"], entries[i + 1]["rank"] = entries[i + 1]["rank"], entries[i]["rank"]


def new_seed_and_hash(p: dict[str, Any]) -> None:
    p["seed"] = new_seed()
    p["seed_hash"] = seed_hash(p["seed"])


TAMPERING: dict[str, Callable[[dict[str, Any]], None]] = {
    "swapped ranks": swap_ranks,
    "tied neighbours swapped": swap_tied_neighbours,
    "seed changed": lambda p: p.update(seed=new_seed()),
    "seed and hash changed": new_seed_and_hash,
    "metric changed": lambda p: p["applications"][-1].update(metric=10**6),
    "metric made negative": lambda p: p["applications"][0].update(metric=-1),
    "metric made text": lambda p: p["applications"][0].update(metric="600"),
    "ticket changed": lambda p: p["applications"][0].update(ticket="0" * 64),
    "winner dropped": lambda p: p["applications"][0].update(won=False),
    "loser crowned": lambda p: p["applications"][-1].update(won=True),
    "places changed": lambda p: p.update(places=11),
    "applicant removed": lambda p: p["applications"].pop(0),
    "applicant duplicated": lambda p: p["applications"].append(p["applications"][-1]),
    "rule changed": lambda p: p.update(
        rule=SERVICE_HOURS if p["rule"] == APPLICATION_TIME else APPLICATION_TIME
    ),
    "rule unknown": lambda p: p.update(rule="first_come"),
    "field added": lambda p: p.update(note="trust us"),
    "entry field removed": lambda p: p["applications"][0].pop("ticket"),
    "id rewritten": lambda p: p["applications"][0].update(
        application_id=p["applications"][0]["application_id"].upper()
    ),
    "id garbled": lambda p: p["applications"][0].update(application_id="x"),
    "time garbled": lambda p: p["applications"][0].update(applied_at="yesterday"),
    "time naive": lambda p: p["applications"][0].update(applied_at="2026-12-01T09:00:00"),
    "places negative": lambda p: p.update(places=-1),
    "not a list": lambda p: p.update(applications={}),
}


def test_published_shape() -> None:
    public = published_round()
    assert set(public) == {"rule", "seed", "seed_hash", "places", "applications"}
    assert verify_seed(public["seed"], public["seed_hash"])
    first = public["applications"][0]
    assert set(first) == {"application_id", "applied_at", "metric", "ticket", "rank", "won"}
    assert first["rank"] == 1 and first["won"] is True and first["metric"] == 1200
    assert datetime.fromisoformat(first["applied_at"]).utcoffset() == timedelta(0)


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("tamper", sorted(TAMPERING))
def test_any_tampering_is_caught(tamper: str, rule: str) -> None:
    public = published_round(rule)
    assert len(recompute(public)) == 30
    changed = copy.deepcopy(public)
    TAMPERING[tamper](changed)
    assert changed != public
    with pytest.raises(NotReproducible):
        recompute(changed)


def test_application_time_metric_must_be_the_time() -> None:
    public = published_round(APPLICATION_TIME)
    entry = public["applications"][5]
    entry["applied_at"] = (OPENS - timedelta(hours=1)).isoformat()
    with pytest.raises(NotReproducible, match="application time"):
        recompute(public)


def test_times_in_other_zones_are_published_in_utc() -> None:
    beijing = timezone(timedelta(hours=8))
    pool = [Application(uuid.UUID(int=1), datetime(2026, 12, 1, 17, 0, tzinfo=beijing))]
    public = published_ranking(APPLICATION_TIME, SEED_A, 1, rank(pool, APPLICATION_TIME, SEED_A, 1))
    assert public["applications"][0]["applied_at"] == "2026-12-01T09:00:00.000000+00:00"
    assert recompute(public)[0].won
    with pytest.raises(NotReproducible):
        recompute(["not", "a", "round"])  # type: ignore[arg-type]


def test_a_round_redrawn_whole_is_caught_only_against_the_commitment() -> None:
    public = published_round()
    committed = public["seed_hash"]
    pool = [
        Application(uuid.UUID(e["application_id"]), OPENS, service_minutes=e["metric"])
        for e in public["applications"]
    ]
    seed = new_seed()
    redrawn = published_ranking(SERVICE_HOURS, seed, 10, rank(pool, SERVICE_HOURS, seed, 10))
    assert len(recompute(redrawn)) == 30
    with pytest.raises(NotReproducible, match="committed"):
        recompute(redrawn, committed_hash=committed)
    assert len(recompute(public, committed_hash=committed)) == 30


def test_rule_and_places_are_held_to_the_announced_ones() -> None:
    # minutes and points are both counts where more is better: only the announcement tells
    public = published_round(SERVICE_HOURS)
    as_points = {**public, "rule": POINTS}
    assert len(recompute(as_points)) == 30
    with pytest.raises(NotReproducible, match="announced"):
        recompute(as_points, announced_rule=SERVICE_HOURS)
    with pytest.raises(NotReproducible, match="announced"):
        recompute(public, announced_places=9)
    assert recompute(public, announced_rule=SERVICE_HOURS, announced_places=10)
