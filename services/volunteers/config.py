"""The volunteers service's own settings, read once when the app is built.

Every value comes from the environment (or the config mapping passed to
``create_app``), with a default that runs on one machine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app

from common.settings import PROJECT_ROOT, ConfigurationError, Settings
from services.volunteers.domain.signing import derive_key


@dataclass(frozen=True)
class FlagLimits:
    """When a pattern is unusual enough to flag for an admin's review (docs/security.md)."""

    # more than this many approvals (hours or tasks) of one member by one coordinator in 7 days
    approvals_per_week: int = 5
    # more than this many hours entries logged for one member in 24 hours
    hours_entries_per_day: int = 5
    # more than this many reports from one rider in 24 hours
    reports_per_day: int = 20
    # this many members checking in with one station code
    checkin_crowd: int = 10
    # a member's two check-ins further apart than this speed allows
    max_speed_kmh: int = 120
    # a report where one of its category was resolved this many days ago or less
    refile_days: int = 30


@dataclass(frozen=True)
class VolunteersConfig:
    upload_dir: Path
    photo_max_bytes: int
    photo_max_pixels: int
    photos_per_report: int
    reports_per_hour: int
    self_log_days: int
    # work older than this is approved by an admin only
    admin_approval_after_days: int
    reopen_days: int
    code_ttl: int
    code_key: bytes
    record_key: bytes
    open311_api_keys: tuple[str, ...]
    public_base_url: str
    pdf_font_file: str | None
    flags: FlagLimits
    # the suite's DISTRICT_TIMEZONE: the day of a check-in, of the work done (hours.approved)
    # and of each entry on the service record
    district_timezone: ZoneInfo

    @classmethod
    def from_settings(cls, settings: Settings, config: Mapping[str, object]) -> VolunteersConfig:
        env = {**settings.extra, **{k: str(v) for k, v in config.items() if v is not None}}

        number = partial(_number, env)
        secret = (
            _secret_from(env, "VOLUNTEERS_SIGNING_SECRET")
            or settings.internal_api_token
            or _secret_from(env, "INTERNAL_API_TOKEN")
        )
        if not secret:
            raise ConfigurationError(
                "VOLUNTEERS_SIGNING_SECRET (or INTERNAL_API_TOKEN, either also as a _FILE) is "
                "not set: the volunteers service signs station codes and service records with it"
            )
        _refuse_a_second_calendar(env, settings.district_timezone)
        upload_dir = Path(env.get("UPLOAD_DIR", "").strip() or "var/uploads")
        if not upload_dir.is_absolute():
            upload_dir = PROJECT_ROOT / upload_dir
        keys = tuple(k.strip() for k in env.get("OPEN311_API_KEYS", "").split(",") if k.strip())
        return cls(
            upload_dir=upload_dir,
            photo_max_bytes=number("PHOTO_MAX_BYTES", 900_000),
            photo_max_pixels=number("PHOTO_MAX_PIXELS", 40_000_000),
            photos_per_report=number("PHOTOS_PER_REPORT", 3),
            reports_per_hour=number("REPORTS_PER_HOUR", 10),
            self_log_days=number("SELF_LOG_DAYS", 7),
            admin_approval_after_days=number("VOLUNTEERS_ADMIN_APPROVAL_AFTER_DAYS", 30),
            reopen_days=number("REOPEN_DAYS", 7),
            code_ttl=number("CHECKIN_CODE_TTL", 120, minimum=10),
            code_key=derive_key(secret, "station-code"),
            record_key=derive_key(secret, "service-record"),
            open311_api_keys=keys,
            public_base_url=(
                env.get("PUBLIC_BASE_URL", "").strip() or "http://127.0.0.1:8000"
            ).rstrip("/"),
            pdf_font_file=env.get("PDF_FONT_FILE", "").strip() or None,
            district_timezone=settings.district_timezone,
            flags=_flag_limits(env),
        )


def _flag_limits(env: Mapping[str, str]) -> FlagLimits:
    number = partial(_number, env)
    return FlagLimits(
        approvals_per_week=number("FLAG_APPROVALS_PER_WEEK", 5),
        hours_entries_per_day=number("FLAG_HOURS_ENTRIES_PER_DAY", 5),
        reports_per_day=number("FLAG_REPORTS_PER_DAY", 20),
        checkin_crowd=number("FLAG_CHECKIN_CROWD", 10, minimum=2),
        max_speed_kmh=number("FLAG_MAX_SPEED_KMH", 120),
        refile_days=number("FLAG_REFILE_DAYS", 30),
    )


def _refuse_a_second_calendar(env: Mapping[str, str], district: ZoneInfo) -> None:
    """LOCAL_TIMEZONE (once the calendar of check-ins and the record, UTC by default) is gone:
    one zone, DISTRICT_TIMEZONE, decides every day. Set to another zone, it would silently
    mean nothing, so it stops the start instead."""
    local = env.get("LOCAL_TIMEZONE", "").strip()
    if local and local != district.key:
        raise ConfigurationError(
            f"LOCAL_TIMEZONE={local!r} is no longer read: every day of the suite is a day in "
            f"DISTRICT_TIMEZONE ({district.key}); set that instead and remove LOCAL_TIMEZONE"
        )


def _number(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name, "").strip() or str(default)
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum}")
    return value


def _secret_from(env: Mapping[str, str], name: str) -> str:
    """``name`` itself, else the contents of the file ``name_FILE`` names, else ""."""
    inline = env.get(name, "").strip()
    if inline:
        return inline
    path = env.get(name + "_FILE", "").strip()
    if not path:
        return ""
    try:
        return Path(path).read_text().strip()
    except OSError as exc:
        raise ConfigurationError(f"{name}_FILE={path} cannot be read: {exc}") from exc


def config() -> VolunteersConfig:
    value: VolunteersConfig = current_app.extensions["volunteers_config"]
    return value
