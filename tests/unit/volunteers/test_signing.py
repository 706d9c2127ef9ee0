"""Station codes and service-record signatures."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from common.errors import Invalid
from services.volunteers.domain.signing import (
    RecordTotals,
    check_station_code,
    derive_key,
    issue_station_code,
    record_signature_valid,
    short_code_typed,
    sign_record,
)

KEY = derive_key("secret", "station-code")
STATION = uuid.uuid4()
TTL = 120
T0 = 1_800_000_000.0


def kind_of(code: str, now: float, station=STATION, key=KEY) -> str | None:
    try:
        check_station_code(key, station, code, now, TTL)
    except Invalid as violation:
        return violation.kind
    return None


def test_a_code_works_until_it_expires():
    issued = issue_station_code(KEY, STATION, T0, TTL)
    expires = issued.expires_at.timestamp()
    assert T0 + TTL <= expires <= T0 + 2 * TTL
    assert kind_of(issued.code, T0) is None
    assert kind_of(issued.code, expires - 1) is None
    assert kind_of(issued.code, expires) == "expired-code"


def test_codes_rotate():
    first = issue_station_code(KEY, STATION, T0, TTL).code
    assert T0 % TTL == 0  # T0 opens a window: the same code for the whole window
    assert issue_station_code(KEY, STATION, T0 + TTL - 1, TTL).code == first
    assert issue_station_code(KEY, STATION, T0 + TTL, TTL).code != first


def test_forged_foreign_and_malformed_codes():
    code = issue_station_code(KEY, STATION, T0, TTL).code
    version, expires, mac = code.split(".")
    assert kind_of(f"{version}.{int(expires) + TTL}.{mac}", T0) == "invalid-code"
    assert kind_of(code, T0, station=uuid.uuid4()) == "invalid-code"
    assert kind_of(code, T0, key=derive_key("other", "station-code")) == "invalid-code"
    for junk in ("", "x", "c1.abc.def", "c2.1.2", "c1..", code + ".x"):
        assert kind_of(junk, T0) == "invalid-code"


def test_a_short_code_is_six_digits_and_names_the_same_code():
    issued = issue_station_code(KEY, STATION, T0, TTL)
    assert len(issued.short_code) == 6 and issued.short_code.isdigit()
    expires = int(issued.expires_at.timestamp())
    # typed as shown ("482 913") or in one go, it names the signed code's expiry
    shown = f"{issued.short_code[:3]} {issued.short_code[3:]}"
    for typed in (issued.short_code, shown, f" {shown} "):
        assert check_station_code(KEY, STATION, typed, T0, TTL) == expires
    assert check_station_code(KEY, STATION, issued.code, T0, TTL) == expires


def test_a_short_code_lives_as_long_as_its_signed_code():
    issued = issue_station_code(KEY, STATION, T0, TTL)
    expires = issued.expires_at.timestamp()
    assert kind_of(issued.short_code, expires - 1) is None  # shown before a rotation
    assert kind_of(issued.short_code, expires) == "invalid-code"  # says nothing of why
    assert issue_station_code(KEY, STATION, T0 + TTL, TTL).short_code != issued.short_code


def test_a_short_code_is_the_stations_own():
    issued = issue_station_code(KEY, STATION, T0, TTL)
    assert kind_of(issued.short_code, T0, station=uuid.uuid4()) == "invalid-code"
    assert kind_of(issued.short_code, T0, key=derive_key("other", "station-code")) == "invalid-code"
    wrong = f"{(int(issued.short_code) + 1) % 1_000_000:06d}"
    assert kind_of(wrong, T0) == "invalid-code"


@pytest.mark.parametrize("typed", ["12345", "1234567", "12a456", "١٢٣٤٥٦", "12-3456", ""])
def test_what_is_not_six_ascii_digits_is_not_a_short_code(typed):
    assert short_code_typed(typed) is None
    assert kind_of(typed, T0) == "invalid-code"


def test_short_codes_spread_over_the_digits():
    seen = {issue_station_code(KEY, uuid.uuid4(), T0, TTL).short_code for _ in range(2000)}
    assert len(seen) > 1990  # collisions at the rate of a million codes, not of a few
    assert min(seen) < "100000" and max(seen) > "900000"


def test_digits_python_calls_digits_but_int_refuses_are_an_invalid_code():
    # "²".isdigit() is true, int("²") raises: a forged code must be a 422, not a crash
    mac = issue_station_code(KEY, STATION, T0, TTL).code.split(".")[2]
    for expires in ("\u00b2\u00b3", "1\u00b9", "\u2460"):
        assert kind_of(f"c1.{expires}.{mac}", T0) == "invalid-code"


def test_a_code_from_the_far_future_is_refused():
    later = issue_station_code(KEY, STATION, T0 + 3600, TTL).code
    assert kind_of(later, T0) == "invalid-code"


def test_record_signatures():
    key = derive_key("secret", "service-record")
    issued = datetime(2026, 11, 23, 12, 0, 1, 123456, tzinfo=UTC)
    member, other = uuid.UUID(int=1), uuid.UUID(int=2)
    totals = RecordTotals("SR-AAAA-BBBB-CCCC", 165, 2, issued, member, "张晓明")
    signature = sign_record(key, totals)
    assert record_signature_valid(key, totals, signature)
    for changed in (
        replace(totals, minutes=166),
        replace(totals, entries=3),
        replace(totals, record_number="SR-AAAA-BBBB-CCCD"),
        replace(totals, issued_at=issued + timedelta(microseconds=1)),
        replace(totals, member_id=other),
        replace(totals, holder_name="张晓"),
        replace(totals, holder_name="张晓明 "),
    ):
        assert not record_signature_valid(key, changed, signature)
    assert not record_signature_valid(derive_key("other", "service-record"), totals, signature)


def test_purposes_have_their_own_keys():
    assert derive_key("s", "station-code") != derive_key("s", "service-record")


@pytest.mark.parametrize("ttl", [10, 60, 300])
def test_every_ttl_gives_a_valid_code(ttl):
    issued = issue_station_code(KEY, STATION, T0, ttl)
    check_station_code(KEY, STATION, issued.code, T0, ttl)
