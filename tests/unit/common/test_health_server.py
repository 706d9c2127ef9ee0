"""Health endpoints of the processes with no web server of their own: worker, relay, scheduler."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from common.health import Heartbeat, serve_health


def get(port: int, path: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        body = error.read()
        return error.code, json.loads(
            body
        ) if error.headers.get_content_type() == "application/json" else {}


def test_healthz_follows_the_heartbeat_and_readyz_the_checks():
    heartbeat = Heartbeat(stale_after=60)
    store = {"up": True}

    def redis_check() -> None:
        if not store["up"]:
            raise ConnectionError("refused")

    server = serve_health(0, {"redis": redis_check}, alive=heartbeat.check)
    port = server.server_address[1]  # type: ignore[attr-defined]
    try:
        assert get(port, "/healthz") == (200, {"status": "ok", "checks": {"alive": "ok"}})
        assert get(port, "/readyz")[0] == 200
        store["up"] = False
        status, body = get(port, "/readyz")
        assert status == 503 and body["checks"]["redis"].startswith("down")
        heartbeat.last -= 120  # the loop has not turned for two minutes
        assert get(port, "/healthz")[0] == 503
        heartbeat.beat()
        assert get(port, "/healthz")[0] == 200
        assert get(port, "/nowhere")[0] == 404
    finally:
        server.shutdown()  # type: ignore[attr-defined]
        server.server_close()  # type: ignore[attr-defined]


def test_a_stale_heartbeat_raises():
    heartbeat = Heartbeat(stale_after=1)
    heartbeat.last -= 5
    with pytest.raises(RuntimeError, match="no beat"):
        heartbeat.check()
