"""Signed, short-lived station codes and signed service-record totals.

Both are HMAC-SHA256 under a key the service holds; a code or a record that
anyone changed fails verification, and nothing secret is needed to read them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from common.errors import Invalid

CODE_VERSION = "c1"


def derive_key(secret: str, purpose: str) -> bytes:
    """A key of its own for each purpose, from one configured secret."""
    return hmac.new(secret.encode(), f"civic-volunteers:{purpose}".encode(), "sha256").digest()


def _mac(key: bytes, message: str, length: int = 16) -> str:
    digest = hmac.new(key, message.encode(), hashlib.sha256).digest()[:length]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


@dataclass(frozen=True)
class StationCode:
    code: str
    expires_at: datetime


def issue_station_code(key: bytes, station_id: uuid.UUID, now: float, ttl: int) -> StationCode:
    """The station's current code: it rotates every ``ttl`` seconds and each code lives for
    the rest of its own window plus one more, so a code read just before a rotation works."""
    window = int(now // ttl)
    expires = (window + 2) * ttl
    code = f"{CODE_VERSION}.{expires}.{_mac(key, f'checkin:{station_id}:{expires}')}"
    return StationCode(code, datetime.fromtimestamp(expires, UTC))


def check_station_code(key: bytes, station_id: uuid.UUID, code: str, now: float, ttl: int) -> int:
    """The code's expiry (unix seconds, which names the code) when ``code`` is a current code
    of the station; else :class:`Invalid`."""
    parts = code.strip().split(".")
    # ASCII digits only: str.isdigit() also accepts "²", which int() refuses
    if (
        len(parts) != 3
        or parts[0] != CODE_VERSION
        or not (parts[1].isascii() and parts[1].isdigit())
    ):
        raise Invalid.field("code", "This is not a station code.", kind="invalid-code")
    expires = int(parts[1])
    expected = _mac(key, f"checkin:{station_id}:{expires}")
    if not hmac.compare_digest(expected.encode(), parts[2].encode()):
        raise Invalid.field(
            "code", "This code was not issued for this station.", kind="invalid-code"
        )
    if expires <= now:
        raise Invalid.field(
            "code", "This code has expired; scan the station's current code.", kind="expired-code"
        )
    if expires > now + 2 * ttl:
        raise Invalid.field("code", "This code is not valid yet.", kind="invalid-code")
    return expires


def format_instant(moment: datetime) -> str:
    """UTC to the microsecond, as PostgreSQL keeps it: the record's moment, exactly."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class RecordTotals:
    """What a service record's signature vouches for: the totals, when, and whose."""

    record_number: str
    minutes: int
    entries: int
    issued_at: datetime
    # whose record it is, and the name printed on it: a signature lifted from one record
    # does not vouch for another holder, nor for the same totals under another name
    member_id: uuid.UUID
    holder_name: str

    def message(self) -> str:
        issued = format_instant(self.issued_at)
        # the name comes last: every field before it has a fixed shape without ":"
        return (
            f"service-record:v2:{self.record_number}:{self.member_id}:{self.minutes}:"
            f"{self.entries}:{issued}:{self.holder_name}"
        )


def sign_record(key: bytes, totals: RecordTotals) -> str:
    return _mac(key, totals.message(), length=18)


def record_signature_valid(key: bytes, totals: RecordTotals, signature: str) -> bool:
    return hmac.compare_digest(sign_record(key, totals).encode(), signature.encode())
