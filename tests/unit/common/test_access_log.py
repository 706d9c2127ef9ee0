"""The access line written straight to the handler is the line logging would have written."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from common import logs


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    """The root logger as configure_logging leaves it. A fixture's changes would be undone
    by pytest's own capture, which adds its handler around each test's call: each test
    starts with ``with only(stream)``."""
    yield io.StringIO()


@contextmanager
def only(out: io.StringIO) -> Iterator[None]:
    root = logging.getLogger()
    saved = root.handlers, root.level
    handler = logging.StreamHandler(out)
    handler.setFormatter(logs.JsonLines("points"))
    handler.addFilter(logs._RequestIdFilter())
    root.handlers = [handler]
    root.setLevel(logging.INFO)  # setLevel, not the attribute: it clears loggers' caches
    try:
        yield
    finally:
        root.handlers = saved[0]
        root.setLevel(saved[1])


def _lines(out: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_the_direct_line_equals_the_formatted_one(stream):
    with only(stream):
        logs.log_access("GET", "/api/v1/points/balance", 200, 0.01234, request_id="abc")
        assert logs._sole_handler() is not None  # that was the direct way
        listener = logging.NullHandler()
        logging.getLogger().addHandler(listener)  # a second listener: the general way
        assert logs._sole_handler() is None
        logs.log_access("GET", "/api/v1/points/balance", 200, 0.01234, request_id="abc")
    direct, general = _lines(stream)
    assert list(direct) == list(general)  # the same fields, in the same order
    assert direct.pop("time")[:16] == general.pop("time")[:16]  # type: ignore[index]
    assert (
        direct
        == general
        == {
            "level": "INFO",
            "logger": "civic.access",
            "message": "request",
            "request_id": "abc",
            "process": "points",
            "method": "GET",
            "path": "/api/v1/points/balance",
            "status": 200,
            "duration_ms": 12.34,
        }
    )


def test_the_time_is_what_format_time_writes(stream):
    record = logging.LogRecord("x", logging.INFO, "", 0, "", None, None)
    formatted = logs.JsonLines("p").formatTime(record)
    assert logs._local_time(record.created) == formatted


def test_a_quiet_access_logger_writes_nothing(stream):
    logging.getLogger("civic.access").setLevel(logging.WARNING)
    try:
        with only(stream):
            logs.log_access("GET", "/", 200, 0.0)
    finally:
        logging.getLogger("civic.access").setLevel(logging.NOTSET)
    assert stream.getvalue() == ""


def test_a_filter_of_someone_elses_on_the_handler_sees_every_line(stream):
    seen: list[str] = []

    def keep(record: logging.LogRecord) -> bool:
        seen.append(record.name)
        return True

    with only(stream):
        logging.getLogger().handlers[0].addFilter(keep)
        assert logs._sole_handler() is None
        logs.log_access("GET", "/", 200, 0.0, request_id="abc")
    assert seen == ["civic.access"]
    assert _lines(stream)[0]["request_id"] == "abc"
