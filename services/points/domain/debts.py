"""Debts: a clawback takes what is available and the rest is owed, never forgiven.

The ledger itself never goes below zero available: a debt is not a posting but a
claim on the member's next earnings, which pay it first.
"""

from __future__ import annotations

from typing import Final

RECOVERY_PREFIX: Final = "recovery:"


def split_clawback(wanted: int, available: int) -> tuple[int, int]:
    """(taken now, still owed) of a clawback of ``wanted`` points."""
    taken = max(0, min(wanted, available))
    return taken, wanted - taken


def recoverable(owed: int, available: int) -> int:
    """What the next earnings pay back of a debt: all of it, or all that is available."""
    return max(0, min(owed, available))


def recovery_description(taken: int, owed: int) -> str:
    return f"{taken} points recovered of {owed} owed from a clawback"
