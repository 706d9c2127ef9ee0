"""Earning rules: what each event type is worth, in versions that take effect from a time."""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import Session

from common.errors import Conflict, NotFound
from services.points.adapters.models import EarningRule
from services.points.domain.errors import invalid
from services.points.domain.rules import REVERSAL_EVENT, Rule
from services.points.usecases import clock

EVENT_TYPE = re.compile(r"^[a-z][a-z_]{0,38}\.[a-z][a-z_]{0,38}$")


@dataclass(frozen=True)
class RuleChange:
    """A new version of an event type's rule."""

    points: int
    per: str
    daily_cap: int | None = None


def current_rules(session: Session) -> list[EarningRule]:
    """The rule in force for each event type (its newest version)."""
    return list(
        session.scalars(
            sa.select(EarningRule)
            .ext(distinct_on(EarningRule.event_type))
            .order_by(
                EarningRule.event_type, EarningRule.effective_from.desc(), EarningRule.id.desc()
            )
        )
    )


def set_rule(
    session: Session, event_type: str, change: RuleChange, *, actor: uuid.UUID
) -> EarningRule:
    """A new version of an event type's rule, in force from now on (earlier events keep theirs)."""
    if not EVENT_TYPE.match(event_type):
        raise NotFound("Event types look like 'hours.approved'.")
    if event_type == REVERSAL_EVENT:
        raise Conflict("award.reversed claws back; it earns nothing.", kind="not-an-earning-event")
    try:
        Rule(event_type, change.points, change.per, change.daily_cap)
    except ValueError as exc:
        raise invalid(str(exc)) from exc
    rule = EarningRule(
        event_type=event_type,
        points=change.points,
        per=change.per,
        daily_cap=change.daily_cap,
        effective_from=clock.now_utc(),
        created_by=actor,
    )
    session.add(rule)
    session.flush()
    return rule


class RuleBook:
    """Every version of the rules for some event types, to find the one in force at a time."""

    def __init__(self, session: Session, event_types: set[str]) -> None:
        self.versions: dict[str, list[EarningRule]] = defaultdict(list)
        if event_types:
            for rule in session.scalars(
                sa.select(EarningRule)
                .where(EarningRule.event_type.in_(event_types))
                .order_by(EarningRule.effective_from, EarningRule.id)
            ):
                self.versions[rule.event_type].append(rule)

    def known(self, event_type: str) -> bool:
        return event_type in self.versions

    def at(self, event_type: str, when: datetime) -> Rule | None:
        found = None
        for version in self.versions.get(event_type, ()):
            if version.effective_from <= when:
                found = version
        if found is None:
            return None
        return Rule(found.event_type, found.points, found.per, found.daily_cap)
