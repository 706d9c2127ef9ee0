"""Calling a hot read both ways: on the fast path (common/hot_reads.py) and through Flask."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, request, request_started


@contextmanager
def flask_requests(app: Flask) -> Iterator[list[str]]:
    """The paths Flask built a request for while the block ran (the fast path builds none)."""
    seen: list[str] = []

    def started(sender: Flask, **_: Any) -> None:
        seen.append(request.path)

    request_started.connect(started, app)
    try:
        yield seen
    finally:
        request_started.disconnect(started, app)


def answered_both_ways(app: Flask, path: str, headers: dict[str, str]) -> tuple[Any, Any]:
    """``path``'s answer on the fast path, then with the fast path off (Flask's); each with
    the same request id, so that the two can be compared byte for byte."""
    client = app.test_client()
    headers = {"X-Request-ID": "hot-read-test", **headers}
    hot_reads = app.hot_reads  # type: ignore[attr-defined]
    with flask_requests(app) as built:
        fast = client.get(path, headers=headers)
    assert built == [], f"{path} went through Flask"
    hot_reads.enabled = False
    try:
        with flask_requests(app) as built:
            slow = client.get(path, headers=headers)
        assert built == [path]
    finally:
        hot_reads.enabled = True
    return fast, slow


def assert_same_answer(fast: Any, slow: Any) -> None:
    assert fast.status == slow.status
    assert fast.headers.to_wsgi_list() == slow.headers.to_wsgi_list()
    assert fast.get_data() == slow.get_data()
