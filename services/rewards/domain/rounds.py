"""Allocation rounds: scarce places given by a published rule, ties by a committed lottery.

Before a round's window opens its seed is drawn (``new_seed``) and only its hash is
published (``seed_hash``: SHA-256 of the 64 hex characters as ASCII). At close the seed
is revealed and the ranking published (``published_ranking``); anyone can then check
it from that JSON alone (``recompute``).

The rule orders applications by one metric:

- ``service_hours``: more lifetime approved service minutes first;
- ``points``: more lifetime earned points first;
- ``application_time``: earlier application first.

Applications with the same metric, and only those, are ordered by their lottery
ticket, ``HMAC-SHA256(key=seed, msg=application id)`` in lowercase hex (the key is the
seed's 64 hex characters as ASCII, the message the id in its usual 36-character form),
smaller first. With a shell: ``printf %s "$ID" | openssl dgst -sha256 -hmac "$SEED"``.
The first ``places`` in that order win.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from common.errors import Invalid

SERVICE_HOURS = "service_hours"
POINTS = "points"
APPLICATION_TIME = "application_time"
RULES = (SERVICE_HOURS, POINTS, APPLICATION_TIME)
SEED = re.compile(r"[0-9a-f]{64}")
PUBLISHED_KEYS = {"rule", "seed", "seed_hash", "places", "applications"}
ENTRY_KEYS = {"application_id", "applied_at", "metric", "ticket", "rank", "won"}


class NotReproducible(ValueError):
    """A published ranking that its own data does not reproduce (or cannot be read)."""


def new_seed() -> str:
    """A fresh lottery seed: 32 random bytes in lowercase hex."""
    return secrets.token_hex(32)


def seed_hash(seed: str) -> str:
    """The commitment published before the window opens: SHA-256 of the seed text."""
    return hashlib.sha256(_checked_seed(seed).encode("ascii")).hexdigest()


def verify_seed(seed: str, committed_hash: str) -> bool:
    """Whether a revealed seed is the one whose hash was published."""
    if not isinstance(seed, str) or not SEED.fullmatch(seed) or not isinstance(committed_hash, str):
        return False
    return hmac.compare_digest(seed_hash(seed), committed_hash.lower())


def ticket(seed: str, application_id: uuid.UUID) -> str:
    """An application's lottery ticket: HMAC-SHA256(key=seed, msg=id), lowercase hex."""
    key = _checked_seed(seed).encode("ascii")
    return hmac.new(key, str(application_id).encode("ascii"), hashlib.sha256).hexdigest()


def parse_rule(value: object) -> str:
    """A rule named by an administrator, or Invalid on the ``rule`` field."""
    if value not in RULES:
        raise Invalid.field("rule", f"The rule is one of {', '.join(RULES)}.")
    assert isinstance(value, str)
    return value


@dataclass(frozen=True)
class Application:
    application_id: uuid.UUID
    applied_at: datetime
    service_minutes: int = 0
    lifetime_points: int = 0

    def __post_init__(self) -> None:
        if self.applied_at.utcoffset() is None:
            raise ValueError("applied_at must carry its time zone")
        if self.service_minutes < 0 or self.lifetime_points < 0:
            raise ValueError("service minutes and points cannot be negative")

    def metric(self, rule: str) -> int | str:
        """What the rule compares: minutes, points, or the UTC time of application."""
        if rule == SERVICE_HOURS:
            return self.service_minutes
        if rule == POINTS:
            return self.lifetime_points
        if rule == APPLICATION_TIME:
            return _utc_text(self.applied_at)
        raise ValueError(f"unknown rule {rule!r}")


@dataclass(frozen=True)
class Ranked:
    application_id: uuid.UUID
    applied_at: datetime
    rank: int
    # minutes or points (more is better), or the UTC ISO time applied (earlier is better)
    metric: int | str
    ticket: str
    won: bool


def rank(applications: Iterable[Application], rule: str, seed: str, places: int) -> list[Ranked]:
    """Every application in order, rank 1 first; the first ``places`` won."""
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}")
    if type(places) is not int or places < 0:
        raise ValueError("places must be a whole number, zero or more")
    entries = [(a.application_id, a.applied_at, a.metric(rule)) for a in applications]
    if len({entry[0] for entry in entries}) != len(entries):
        raise ValueError("an application appears twice")
    tickets = {entry[0]: ticket(seed, entry[0]) for entry in entries}

    def order(entry: tuple[uuid.UUID, datetime, int | str]) -> tuple[Any, ...]:
        application_id, applied_at, metric = entry
        primary: Any = applied_at if rule == APPLICATION_TIME else -int(metric)
        # the id last only makes the order total should two tickets ever collide
        return (primary, tickets[application_id], application_id.int)

    ordered = sorted(entries, key=order)
    return [
        Ranked(
            application_id,
            applied_at,
            position,
            metric,
            tickets[application_id],
            position <= places,
        )
        for position, (application_id, applied_at, metric) in enumerate(ordered, start=1)
    ]


def published_ranking(
    rule: str, seed: str, places: int, ranked: Sequence[Ranked]
) -> dict[str, Any]:
    """The JSON published for a closed round: everything ``recompute`` needs, nothing more."""
    return {
        "rule": rule,
        "seed": seed,
        "seed_hash": seed_hash(seed),
        "places": places,
        "applications": [
            {
                "application_id": str(r.application_id),
                "applied_at": _utc_text(r.applied_at),
                "metric": r.metric,
                "ticket": r.ticket,
                "rank": r.rank,
                "won": r.won,
            }
            for r in sorted(ranked, key=lambda r: r.rank)
        ],
    }


def recompute(
    public: Mapping[str, Any],
    *,
    committed_hash: str | None = None,
    announced_rule: str | None = None,
    announced_places: int | None = None,
) -> list[Ranked]:
    """Rank a published round again from its own data; NotReproducible if anything differs.

    It checks that the seed is the committed one, that every ticket is the HMAC of its
    application id, and that ranks and winners are what the rule and tickets give.
    A round re-drawn whole (new seed, new hash, new tickets) is consistent with itself:
    pass what was published before the window opened (``committed_hash``, and the
    rule and places announced) to hold it to those.
    """
    rule, seed, places, entries = _read_published(public)
    if not verify_seed(seed, public["seed_hash"]):
        raise NotReproducible("the seed does not match the published seed hash")
    if committed_hash is not None and not verify_seed(seed, committed_hash):
        raise NotReproducible("the seed is not the one committed before the window opened")
    if announced_rule not in (None, rule) or announced_places not in (None, places):
        raise NotReproducible("the rule or places are not the ones announced")
    applications = [_application(rule, seed, entry) for entry in entries]
    try:
        again = rank(applications, rule, seed, places)
    except ValueError as exc:
        raise NotReproducible(str(exc)) from exc
    published = [(e["application_id"], e["rank"], e["won"]) for e in entries]
    if published != [(str(r.application_id), r.rank, r.won) for r in again]:
        raise NotReproducible("the published order is not what the rule and tickets give")
    return again


def _application(rule: str, seed: str, entry: Mapping[str, Any]) -> Application:
    application_id = _as_uuid(entry["application_id"])
    applied_at = _as_time(entry["applied_at"])
    if entry["ticket"] != ticket(seed, application_id):
        raise NotReproducible(f"the ticket of {application_id} is not its HMAC")
    metric = entry["metric"]
    if rule == APPLICATION_TIME:
        if metric != _utc_text(applied_at):
            raise NotReproducible(f"the metric of {application_id} is not its application time")
        return Application(application_id, applied_at)
    if type(metric) is not int or metric < 0:
        raise NotReproducible(f"the metric of {application_id} is not a count")
    if rule == SERVICE_HOURS:
        return Application(application_id, applied_at, service_minutes=metric)
    return Application(application_id, applied_at, lifetime_points=metric)


def _read_published(public: Mapping[str, Any]) -> tuple[str, str, int, list[Mapping[str, Any]]]:
    if not isinstance(public, Mapping) or set(public) != PUBLISHED_KEYS:
        raise NotReproducible(f"a published round has exactly {sorted(PUBLISHED_KEYS)}")
    rule, seed, places = public["rule"], public["seed"], public["places"]
    if rule not in RULES or not isinstance(seed, str) or not SEED.fullmatch(seed):
        raise NotReproducible("the rule or the seed is not one this module knows")
    if type(places) is not int or places < 0 or not isinstance(public["seed_hash"], str):
        raise NotReproducible("places or the seed hash is malformed")
    entries = public["applications"]
    if not isinstance(entries, list) or not all(
        isinstance(e, Mapping) and set(e) == ENTRY_KEYS for e in entries
    ):
        raise NotReproducible(f"every application has exactly {sorted(ENTRY_KEYS)}")
    return rule, seed, places, entries


def _as_uuid(value: object) -> uuid.UUID:
    try:
        parsed = uuid.UUID(str(value))
    except ValueError:
        raise NotReproducible(f"{value!r} is not an application id") from None
    if str(parsed) != value:
        raise NotReproducible(f"{value!r} is not written in the usual form")
    return parsed


def _as_time(value: object) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise NotReproducible(f"{value!r} is not a time") from None
    if parsed.utcoffset() is None:
        raise NotReproducible(f"{value!r} has no time zone")
    return parsed


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _checked_seed(seed: str) -> str:
    if not isinstance(seed, str) or not SEED.fullmatch(seed):
        raise ValueError("a seed is 64 lowercase hex characters")
    return seed
