"""Every event type the manifest routes to the points service is understood, written down
and priced: it has a contract, docs/points.md describes it, and it has a default earning
rule or is declared as earning nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

import suite
from services.points.domain.rules import DEFAULT_RULES, EARNS_NOTHING
from suite.events import CONTRACTS

ROUTED = suite.app("points").consumes
DOC = Path(__file__).resolve().parents[3] / "docs" / "points.md"


@pytest.mark.parametrize("event_type", ROUTED)
def test_a_routed_event_type_has_a_contract(event_type):
    assert event_type in CONTRACTS.types()


@pytest.mark.parametrize("event_type", ROUTED)
def test_a_routed_event_type_is_documented(event_type):
    assert f"`{event_type}`" in DOC.read_text(encoding="utf-8")


@pytest.mark.parametrize("event_type", ROUTED)
def test_a_routed_event_type_earns_by_a_default_rule_or_is_declared_to_earn_nothing(event_type):
    priced = {rule.event_type for rule in DEFAULT_RULES}
    assert (event_type in priced) != (event_type in EARNS_NOTHING)


def test_every_default_rule_and_every_event_that_earns_nothing_is_routed_here():
    assert {rule.event_type for rule in DEFAULT_RULES} | set(EARNS_NOTHING) <= set(ROUTED)
