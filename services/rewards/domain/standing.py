"""A member's standing: lifetime approved service minutes and the level they reach.

Levels ("stars") are reached at cumulative approved service hours, 100 / 300 / 600 /
1,000 / 1,500 h unless the district sets others. The level is a function of approved
minutes alone, so spending points never lowers it: points and hours are separate
ledgers, and a redemption touches only points.

Reversed hours are different: when a coordinator reverses an approval, those minutes
were never service, so lifetime minutes go down and the level follows them, possibly
down. We chose this over "a level once reached is kept" because a level is a statement
of approved service that eligibility rules rely on; keeping a star earned from hours
later found to be false would let a reversal be gamed (log, reach the star, redeem,
get reversed). The projection therefore stores minutes, never the level.
"""

from __future__ import annotations

import bisect
import itertools
import uuid
from dataclasses import dataclass, field

DEFAULT_LEVEL_HOURS = (100, 300, 600, 1000, 1500)


@dataclass(frozen=True)
class Levels:
    """The cumulative approved minutes at which each level (1, 2, ...) is reached."""

    thresholds_minutes: tuple[int, ...] = tuple(hours * 60 for hours in DEFAULT_LEVEL_HOURS)

    def __post_init__(self) -> None:
        thresholds = self.thresholds_minutes
        if not isinstance(thresholds, tuple) or not thresholds:
            raise ValueError("levels need at least one threshold")
        if any(type(t) is not int or t <= 0 for t in thresholds):
            raise ValueError("every level threshold must be a positive whole number")
        if any(later <= earlier for earlier, later in itertools.pairwise(thresholds)):
            raise ValueError("level thresholds must be strictly increasing")

    @classmethod
    def from_hours(cls, text: str) -> Levels:
        """Levels from a setting such as ``"100,300,600,1000,1500"`` (hours, comma-separated)."""
        parts = [part.strip() for part in text.split(",")]
        if not all(part.isascii() and part.isdigit() for part in parts):
            raise ValueError(f"levels must be whole hours separated by commas, not {text!r}")
        return cls(tuple(int(part) * 60 for part in parts))

    @property
    def top(self) -> int:
        return len(self.thresholds_minutes)

    def level_for(self, minutes: int) -> int:
        """0 below the first threshold, ``len(thresholds)`` at or above the last."""
        return bisect.bisect_right(self.thresholds_minutes, minutes)

    def next_level_at_minutes(self, minutes: int) -> int | None:
        """The lifetime minutes at which the next level is reached; None at the top."""
        level = self.level_for(minutes)
        return None if level == self.top else self.thresholds_minutes[level]


@dataclass(frozen=True)
class Standing:
    """What the rewards service knows of a member, projected from events."""

    member_id: uuid.UUID
    lifetime_minutes: int
    home_community_id: uuid.UUID | None = None
    levels: Levels = field(default=Levels(), repr=False, compare=False)

    def __post_init__(self) -> None:
        # reversals are applied to a floor of zero by the projection; a negative here is a bug
        if self.lifetime_minutes < 0:
            raise ValueError("lifetime minutes cannot be negative")

    @property
    def level(self) -> int:
        return self.levels.level_for(self.lifetime_minutes)

    @property
    def next_level_at_minutes(self) -> int | None:
        return self.levels.next_level_at_minutes(self.lifetime_minutes)

    @property
    def lifetime_hours(self) -> int:
        """Whole hours served (rounded down), as people count them."""
        return self.lifetime_minutes // 60

    def with_minutes(self, delta: int) -> Standing:
        """The standing after approved (+) or reversed (-) minutes, never below zero."""
        return Standing(
            self.member_id,
            max(0, self.lifetime_minutes + delta),
            self.home_community_id,
            self.levels,
        )
