"""Every event contract is documented for people, and every routed type has a contract."""

from __future__ import annotations

from pathlib import Path

from suite import event_routes
from suite.events import CONTRACTS

EVENTS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "events.md"


def test_every_contract_has_a_row_in_docs_events() -> None:
    page = EVENTS_PAGE.read_text()
    missing = [
        f"{c.TYPE} v{c.VERSION}"
        for c in CONTRACTS.contracts()
        if f"| `{c.TYPE}` | {c.VERSION} |" not in page
    ]
    assert not missing, f"docs/events.md has no row for {missing}"


def test_every_routed_type_has_a_contract() -> None:
    assert set(event_routes()) <= CONTRACTS.types()
