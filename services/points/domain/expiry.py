"""When an award's lot expires: a setting, by default the end of the year after it was earned.

``POINTS_EXPIRY`` is one of:

- ``end_of_next_year`` (default): earned any time in 2026, expires at the start of 2028
- ``<N>d``: N days after the day it was earned, at the end of that (UTC) day
- ``never``: lots do not expire

Expiry times are whole days, so awards of one day share a lot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

NEVER = datetime(9999, 12, 31, tzinfo=UTC)


@dataclass(frozen=True)
class ExpiryPolicy:
    mode: str = "end_of_next_year"
    days: int = 0

    @classmethod
    def parse(cls, value: str | None) -> ExpiryPolicy:
        text = (value or "end_of_next_year").strip().lower()
        if text in ("end_of_next_year", "end-of-next-year"):
            return cls("end_of_next_year")
        if text == "never":
            return cls("never")
        if text.endswith("d") and text[:-1].isdigit() and int(text[:-1]) > 0:
            return cls("days", int(text[:-1]))
        raise ValueError(
            f"POINTS_EXPIRY={value!r}: use end_of_next_year, never, or a number of days like 365d"
        )

    def expires_at(self, earned_at: datetime) -> datetime:
        earned = earned_at.astimezone(UTC) if earned_at.tzinfo else earned_at.replace(tzinfo=UTC)
        if self.mode == "never":
            return NEVER
        if self.mode == "days":
            day = earned.date() + timedelta(days=self.days + 1)
            return datetime.combine(day, time(), tzinfo=UTC)
        return datetime(earned.year + 2, 1, 1, tzinfo=UTC)
