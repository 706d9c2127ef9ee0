"""Browser fixtures: the real suite (devtools/suite.py), the demo district seeded through
its gateway, and Debian's Chromium driven by Playwright (no browser download)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from devtools.chromium import CHROMIUM, LAUNCH_ARGS
from devtools.demo import District
from devtools.fonts import find_cjk_font
from devtools.suite import Suite
from suite import APPS
from tests.helpers.browser import Screen, seed_through
from tests.helpers.databases import truncate_all
from tests.helpers.gateway_client import Gateway

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # the district is built once for the package: its tests keep the state they share
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.keep_state)


@pytest.fixture(scope="package")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    for app in APPS:
        truncate_all(app.name)
    # a PDF with an embedded CJK font takes the volunteers service a second or two, more on
    # a busy machine: the forwarder waits longer than the suite's default 5 s
    env = {"PDF_FONT_FILE": cjk_font(), "UPSTREAM_TIMEOUT": "30"}
    with Suite(tmp_path_factory.mktemp("suite"), env=env).running() as running:
        yield running


def cjk_font() -> str:
    return find_cjk_font() or ""


@pytest.fixture(scope="package")
def district(suite: Suite, make_token) -> District:
    admin = make_token(roles=["member", "admin", "reward_admin"], username="seed")
    return seed_through(Gateway(suite.url()), admin)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    expect.set_options(timeout=10_000)  # a machine shared with other test runs is slow
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield launched
        launched.close()


def _screen(browser: Browser, suite: Suite, size: str) -> Iterator[Screen]:
    screen = Screen(browser, suite.url(), size)
    yield screen
    errors = list(screen.errors)
    screen.close()
    assert not errors, "\n".join([*errors, suite.log_tail("gateway", 60)])


@pytest.fixture
def phone(browser: Browser, suite: Suite, district: District) -> Iterator[Screen]:
    yield from _screen(browser, suite, "phone")


@pytest.fixture
def desk(browser: Browser, suite: Suite, district: District) -> Iterator[Screen]:
    yield from _screen(browser, suite, "desk")
