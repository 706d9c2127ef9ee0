"""Test plumbing: real PostgreSQL and Redis, a database per service per test session.

``make test`` runs pytest with DATABASE_URL and REDIS_URL pointing at real
servers (the machine's, or embedded ones it started). A test session creates
its own databases (prefix ``t<pid>_``) and its own Redis database number, so
two sessions on one machine never see each other's data.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from redis import Redis

from common.db import drop_database
from common.migrations import APP_MODULES, upgrade
from common.settings import database_url_for
from common.tokens import TokenSigner
from devtools.environment import claim_redis_db, release_redis_db, suite_environment
from tests.helpers.databases import (
    PREFIX,
    dispose_engines,
    truncate_all,
)
from tests.helpers.tokens import TokenFactory, bearer, token_factory

APPS = tuple(APP_MODULES)
REDIS_DB_RANGE = range(1, 16)


def _require_server_urls() -> tuple[str, str]:
    database_url = os.environ.get("DATABASE_URL")
    redis_url = os.environ.get("REDIS_URL")
    if not database_url or not redis_url:
        pytest.exit(
            "DATABASE_URL and REDIS_URL must name real servers: run the tests with `make test`, "
            "which starts embedded ones when they are not set",
            returncode=3,
        )
    return database_url, redis_url


def _claim_redis_db(redis_url: str) -> tuple[str, int]:
    """A Redis database number no other live test session holds."""
    try:
        Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except Exception as exc:
        pytest.exit(f"Redis at {redis_url} does not answer: {exc}", returncode=3)
    claimed = claim_redis_db(redis_url, str(os.getpid()), REDIS_DB_RANGE)
    if claimed is None:
        pytest.exit("no free Redis database number for this test session", returncode=3)
    return claimed


UNIT_TESTS = Path(__file__).resolve().parent / "unit"


def _only_unit_tests(config: pytest.Config) -> bool:
    """Unit tests of pure code need no servers; anything else does."""
    paths = [Path(str(arg).split("::")[0]).resolve() for arg in config.args]
    return bool(paths) and all(p.is_relative_to(UNIT_TESTS) for p in paths)


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput") or _only_unit_tests(config):
        return
    database_url, redis_url = _require_server_urls()
    engine = sa.create_engine(database_url_for(database_url, "postgres"))
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except Exception as exc:
        pytest.exit(f"PostgreSQL at {database_url} does not answer: {exc}", returncode=3)
    finally:
        engine.dispose()
    session_redis_url, redis_db = _claim_redis_db(redis_url)
    _, env = suite_environment(
        Path(config.rootpath) / "var" / "test-keys" / str(os.getpid()), PREFIX
    )
    os.environ.update({**env, "REDIS_URL": session_redis_url})
    config._civic_redis_url = session_redis_url  # type: ignore[attr-defined]
    config._civic_base_redis_url = redis_url  # type: ignore[attr-defined]
    config._civic_redis_db = redis_db  # type: ignore[attr-defined]
    config._civic_server_url = database_url  # type: ignore[attr-defined]
    for app_name in APPS:
        upgrade(app_name)


def pytest_unconfigure(config: pytest.Config) -> None:
    server = getattr(config, "_civic_server_url", None)
    if server is None:
        return
    dispose_engines()
    for app_name in APPS:
        drop_database(server, PREFIX + app_name)
    Redis.from_url(config._civic_redis_url).flushdb()  # type: ignore[attr-defined]
    release_redis_db(config._civic_base_redis_url, config._civic_redis_db)  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def clean_state(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test starts from empty databases and an empty Redis database."""
    if request.path.is_relative_to(UNIT_TESTS) and "DB_PREFIX" not in os.environ:
        yield
        return
    if request.node.get_closest_marker("keep_state") is None:
        for app_name in APPS:
            truncate_all(app_name)
        Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    yield


@pytest.fixture
def redis_client() -> Redis:
    return Redis.from_url(os.environ["REDIS_URL"])


@pytest.fixture(scope="session")
def signer() -> TokenSigner:
    private = Path(os.environ["JWT_PRIVATE_KEY_FILE"]).read_text()
    return TokenSigner(private, "civic-gateway", "civic", 900)


@pytest.fixture(scope="session")
def make_token(signer: TokenSigner) -> TokenFactory:
    """``make_token(roles=[...], orgs=[...], user_id=...)``: a signed access token."""
    return token_factory(signer)


@pytest.fixture(scope="session")
def auth_header(make_token: TokenFactory) -> Callable[..., dict[str, str]]:
    def header(**kwargs: Any) -> dict[str, str]:
        return bearer(make_token(**kwargs))

    return header


def _app(name: str) -> Iterator[Any]:
    import importlib

    from suite import app as app_of_suite

    package = importlib.import_module(app_of_suite(name).package)
    # revocations read on every check, not once a second: a test sees its own at once
    app = package.create_app({"TESTING": True, "TOKEN_REVOCATIONS_REFRESH": "0"})
    yield app
    app.extensions["database"].engine.dispose()
    app.extensions["redis"].close()


@pytest.fixture(scope="session")
def gateway_app() -> Iterator[Any]:
    yield from _app("gateway")


@pytest.fixture(scope="session")
def volunteers_app() -> Iterator[Any]:
    yield from _app("volunteers")


@pytest.fixture(scope="session")
def points_app() -> Iterator[Any]:
    yield from _app("points")


@pytest.fixture(scope="session")
def rewards_app() -> Iterator[Any]:
    yield from _app("rewards")
