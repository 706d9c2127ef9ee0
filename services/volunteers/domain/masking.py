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


def mask_name(name: str) -> str:
    """A name as the public may see it: enough to match a printed record, not to learn it.

    A name of several words (Latin names, pinyin) keeps each word's initial:
    ``Mia Chen`` is ``M** C***``. One word in Latin letters keeps its initial too
    (``Rick`` is ``R***``). Otherwise (Chinese names) a name of three or more characters
    keeps its first and last (``张晓明`` is ``张*明``, ``欧阳志明`` is ``欧**明``), of two its
    first (``张*``), of one nothing.
    """
    words = name.split()
    if len(words) == 1 and not words[0].isascii() and len(words[0]) >= 3:
        word = words[0]
        return word[0] + MASK * (len(word) - 2) + word[-1]
    return " ".join(_initial_only(word) for word in words)


def _initial_only(word: str) -> str:
    if len(word) < 2:
        return MASK * len(word)
    return word[0] + MASK * (len(word) - 1)
