"""End-to-end fixtures: the whole suite as real processes (see devtools/suite.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devtools.suite import WEB, Suite


# package scope: the processes stop when the e2e tests are done, so their relay cannot
# take outbox rows from the in-process tests that run after them on the same databases
@pytest.fixture(scope="package")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    with Suite(tmp_path_factory.mktemp("suite")).running() as running:
        yield running


@pytest.fixture
def live(suite: Suite) -> Iterator[Suite]:
    """The suite with every process up and its Redis empty; restored after the test."""
    for name in ["redis", *WEB, "worker", "relay"]:
        suite.start(name)
    suite.flush_redis()
    yield suite
    for name in ["redis", *WEB, "worker", "relay"]:
        suite.start(name)
