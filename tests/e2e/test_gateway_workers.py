"""The gateway under gunicorn with its own settings (common/gunicorn_proxy_conf.py):
calls held by a slow service do not take the gateway from everyone else."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import urllib3

from devtools.suite import WEB, Suite
from tests.helpers.scripted_service import ScriptedService, ok

# more than a thread-per-call gateway could hold: the suite's tests run each web
# process with 1 worker x 4 threads
IN_FLIGHT = 12


@pytest.fixture
def slow_and_fast(tmp_path) -> Iterator[tuple[Suite, ScriptedService, threading.Event]]:
    release = threading.Event()

    def answer_when_released(request: bytes, number: int) -> bytes:
        release.wait(30)
        return ok(b'{"slow":true}')

    slow = ScriptedService(answer_when_released)
    fast = ScriptedService(lambda request, number: ok(b'{"fast":true}'))
    urls = {
        "POINTS_URL": f"http://127.0.0.1:{slow.port}",
        "VOLUNTEERS_URL": f"http://127.0.0.1:{fast.port}",
        "REWARDS_URL": f"http://127.0.0.1:{fast.port}",
        # longer than the test waits for the calls to arrive: none is let go by a 504
        "UPSTREAM_TIMEOUT": "25",
    }
    suite = Suite(tmp_path, web={"gateway": WEB["gateway"]}, env=urls)
    try:
        suite.start("redis")
        suite.start("gateway")
        yield suite, slow, release
    finally:
        release.set()
        suite.stop_all()
        slow.close()
        fast.close()


def test_calls_held_by_a_slow_service_leave_the_gateway_to_the_others(slow_and_fast):
    suite, slow, release = slow_and_fast
    gateway = suite.url("gateway")
    http = urllib3.PoolManager(maxsize=IN_FLIGHT, timeout=urllib3.Timeout(30), retries=False)
    answers: list[int] = []

    def call_the_slow_one() -> None:
        answers.append(http.request("GET", f"{gateway}/api/v1/points/balance").status)

    callers = [threading.Thread(target=call_the_slow_one) for _ in range(IN_FLIGHT)]
    for caller in callers:
        caller.start()
    try:
        for _ in range(200):
            if len(slow.requests) == IN_FLIGHT:
                break
            time.sleep(0.05)
        # every call reached the slow service: none waits in the gateway for a free thread
        assert len(slow.requests) == IN_FLIGHT, suite.log_tail("gateway")
        other = http.request("GET", f"{gateway}/api/v1/hours", timeout=5)
        assert (other.status, other.json()) == (200, {"fast": True})
    finally:
        release.set()
        for caller in callers:
            caller.join(30)
    assert answers == [200] * IN_FLIGHT
