"""The time the use cases act at. Every area calls `clock.now_utc()` through this module,
so a test can move the clock for all of them at once (monkeypatch `clock.now_utc`)."""

from __future__ import annotations

from datetime import UTC, datetime


def now_utc() -> datetime:
    return datetime.now(UTC)
