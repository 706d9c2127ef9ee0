"""The service's own settings fail fast and read secrets from files too."""

from __future__ import annotations

import pytest

from common.settings import ConfigurationError, Settings
from services.volunteers.config import VolunteersConfig


def settings(**extra: str) -> Settings:
    return Settings(
        service="volunteers",
        database_url="postgresql+psycopg://x/y",
        redis_url="redis://x",
        jwt_public_key="k",
        internal_api_token=extra.pop("INTERNAL_API_TOKEN", ""),
        extra=extra,
    )


def test_a_signing_secret_is_required():
    with pytest.raises(ConfigurationError, match="VOLUNTEERS_SIGNING_SECRET"):
        VolunteersConfig.from_settings(settings(), {})


def test_secrets_from_the_environment_or_files(tmp_path):
    secret_file = tmp_path / "token"
    secret_file.write_text("from-a-file\n")
    by_file = VolunteersConfig.from_settings(settings(INTERNAL_API_TOKEN_FILE=str(secret_file)), {})
    inline = VolunteersConfig.from_settings(settings(INTERNAL_API_TOKEN="from-a-file"), {})
    own = VolunteersConfig.from_settings(
        settings(INTERNAL_API_TOKEN="x", VOLUNTEERS_SIGNING_SECRET="own"), {}
    )
    assert by_file.code_key == inline.code_key != own.code_key
    assert by_file.code_key != by_file.record_key


def test_values_and_their_checks():
    cfg = VolunteersConfig.from_settings(
        settings(
            INTERNAL_API_TOKEN="t", OPEN311_API_KEYS=" a, b ,,", LOCAL_TIMEZONE="Asia/Shanghai"
        ),  # the district's own zone: harmless
        {"REPORTS_PER_HOUR": 5, "UPLOAD_DIR": "/srv/uploads"},
    )
    assert cfg.open311_api_keys == ("a", "b")
    assert cfg.reports_per_hour == 5
    assert str(cfg.upload_dir) == "/srv/uploads"
    assert cfg.district_timezone.key == "Asia/Shanghai"
    with pytest.raises(ConfigurationError, match="REPORTS_PER_HOUR"):
        VolunteersConfig.from_settings(
            settings(INTERNAL_API_TOKEN="t", REPORTS_PER_HOUR="many"), {}
        )
    # a second calendar is refused, not silently ignored
    for zone in ("Mars/Base", "UTC"):
        with pytest.raises(ConfigurationError, match="LOCAL_TIMEZONE.*DISTRICT_TIMEZONE"):
            VolunteersConfig.from_settings(
                settings(INTERNAL_API_TOKEN="t", LOCAL_TIMEZONE=zone), {}
            )
    with pytest.raises(ConfigurationError, match="CHECKIN_CODE_TTL"):
        VolunteersConfig.from_settings(settings(INTERNAL_API_TOKEN="t", CHECKIN_CODE_TTL="1"), {})
