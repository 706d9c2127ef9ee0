"""The volunteers' own kinds of domain error, beside those of ``common.errors``.

Photos are refused for being too large or not an image; ``common.errors`` has no
class for either, so the volunteers app maps these two itself (``api/errors.py``).
"""

from __future__ import annotations

from common.errors import DomainError


class TooLarge(DomainError):
    """An upload is larger than the service takes (in bytes or in pixels)."""

    default_kind = "payload-too-large"


class UnsupportedMedia(DomainError):
    """An upload is not of a type the service reads."""

    default_kind = "unsupported-media-type"
