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
    return _digest(secret.encode(), f"civic-volunteers:{purpose}")


def _digest(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def _mac(key: bytes, message: str, length: int = 16) -> str:
    return base64.urlsafe_b64encode(_digest(key, message)[:length]).decode().rstrip("=")


SHORT_CODE_DIGITS = 6


@dataclass(frozen=True)
class StationCode:
    code: str
    expires_at: datetime
    # the same code to type by hand: six digits, for a phone that cannot scan
    short_code: str


def issue_station_code(key: bytes, station_id: uuid.UUID, now: float, ttl: int) -> StationCode:
    """The station's current code: it rotates every ``ttl`` seconds and each code lives for
    the rest of its own window plus one more, so a code read just before a rotation works."""
    window = int(now // ttl)
    expires = (window + 2) * ttl
    code = f"{CODE_VERSION}.{expires}.{_mac(key, f'checkin:{station_id}:{expires}')}"
    return StationCode(
        code, datetime.fromtimestamp(expires, UTC), _short_code(key, station_id, expires)
    )


def _short_code(key: bytes, station_id: uuid.UUID, expires: int) -> str:
    digest = _digest(key, f"checkin-short:{station_id}:{expires}")
    return f"{int.from_bytes(digest[:8], 'big') % 10**SHORT_CODE_DIGITS:0{SHORT_CODE_DIGITS}d}"


def short_code_typed(code: str) -> str | None:
    """The six digits of a typed short code ("482 913" as shown), or None when ``code`` is
    not one."""
    digits = "".join(code.split())
    if len(digits) == SHORT_CODE_DIGITS and digits.isascii() and digits.isdigit():
        return digits
    return None


def check_station_code(key: bytes, station_id: uuid.UUID, code: str, now: float, ttl: int) -> int:
    """The code's expiry (unix seconds, which names the code) when ``code`` is a current code
    of the station, signed or short; else :class:`Invalid`."""
    typed = short_code_typed(code)
    if typed is not None:
        return _check_short_code(key, station_id, typed, now, ttl)
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


def _check_short_code(key: bytes, station_id: uuid.UUID, typed: str, now: float, ttl: int) -> int:
    """A short code names no expiry: it is one of the two codes valid now (the current one and
    the one before it, as for signed codes). Six digits can be guessed where a signature
    cannot, which is why check-ins count wrong ones (usecases/checkins.py)."""
    window = int(now // ttl)
    matched = None
    for expires in ((window + 1) * ttl, (window + 2) * ttl):
        if hmac.compare_digest(_short_code(key, station_id, expires), typed):
            matched = expires
    if matched is None:
        raise Invalid.field("code", "This is not the station's current code.", kind="invalid-code")
    return matched


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
