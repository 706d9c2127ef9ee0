"""What a view may show of personal details: ID numbers and names, masked one way everywhere."""

from __future__ import annotations

MASK = "*"


def mask_id_number(value: str) -> str:
    """An ID number (a rider's platform ID, a national ID) with most of it hidden.

    Long numbers (14+, a national ID's 18) keep their first 3 and last 4 characters, as
    Chinese ID numbers are usually printed; 8-13 keep the last 4, 5-7 the last 2, and
    shorter ones nothing. Never more than half of it shows, and the length stays, so
    that a member can recognise their own and nobody can use it.
    """
    length = len(value)
    if length >= 14:
        return value[:3] + MASK * (length - 7) + value[-4:]
    if length >= 8:
        return MASK * (length - 4) + value[-4:]
    if length >= 5:
        return MASK * (length - 2) + value[-2:]
    return MASK * length
