from __future__ import annotations

import pytest

from common.settings import ConfigurationError
from services.points.config import PointsConfig
from services.points.domain.expiry import ExpiryPolicy


def test_defaults():
    config = PointsConfig.from_env({})
    assert config.expiry == ExpiryPolicy("end_of_next_year")
    assert config.system_shards == 16
    assert config.db_role == "points_service"


def test_settings_are_read():
    config = PointsConfig.from_env(
        {"POINTS_EXPIRY": "90d", "POINTS_SYSTEM_SHARDS": "4", "POINTS_DB_ROLE": ""}
    )
    assert config.expiry == ExpiryPolicy("days", 90)
    assert (config.system_shards, config.db_role) == (4, "")


@pytest.mark.parametrize(
    "env",
    [
        {"POINTS_EXPIRY": "soon"},
        {"POINTS_SYSTEM_SHARDS": "0"},
        {"POINTS_SYSTEM_SHARDS": "many"},
        {"POINTS_DB_ROLE": "x; DROP TABLE transfers"},
    ],
)
def test_bad_settings_fail_fast(env):
    with pytest.raises(ConfigurationError):
        PointsConfig.from_env(env)


def test_the_periodic_jobs_name_functions_that_exist():
    import importlib

    from services.points.jobs import PERIODIC

    names = {job.func for job in PERIODIC}
    assert names == {
        "services.points.jobs.expire_holds",
        "services.points.jobs.expire_lots",
        "services.points.jobs.purge_idempotency_keys",
    }
    for job in PERIODIC:
        module, _, name = job.func.rpartition(".")
        assert callable(getattr(importlib.import_module(module), name))
        assert job.queue == "points" and job.every > 0


@pytest.mark.parametrize(
    "env",
    [
        {"POINTS_HOLD_DEFAULT_SECONDS": "0"},
        {"POINTS_HOLD_DEFAULT_SECONDS": "-60"},
        {"POINTS_HOLD_MAX_SECONDS": "0"},
        # a default hold longer than the longest allowed would refuse every hold without one
        {"POINTS_HOLD_DEFAULT_SECONDS": "7200", "POINTS_HOLD_MAX_SECONDS": "3600"},
    ],
)
def test_hold_lengths_that_no_hold_could_have_fail_fast(env):
    with pytest.raises(ConfigurationError):
        PointsConfig.from_env(env)
