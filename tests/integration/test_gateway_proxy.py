"""The gateway's forwarder against upstreams that misbehave, and the per-address login limit."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from devtools.suite import free_port
from gateway import create_app


@pytest.fixture
def silent_upstream() -> Iterator[int]:
    """A server that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    server.close()


def closed_port() -> int:
    """A port that nothing listens on (it was free a moment ago)."""
    return free_port()


def gateway_with(**config: object):
    return create_app({"TESTING": True, **config})


def test_slow_service_is_a_504_not_a_hang(silent_upstream, auth_header):
    app = gateway_with(POINTS_URL=f"http://127.0.0.1:{silent_upstream}", UPSTREAM_TIMEOUT="0.5")
    started = time.monotonic()
    answer = app.test_client().get("/api/v1/points/balance", headers=auth_header())
    elapsed = time.monotonic() - started
    assert answer.status_code == 504
    assert answer.content_type == "application/problem+json"
    assert answer.json["type"].endswith("/upstream-timeout")
    # a slow answer is not waited for twice (tests/integration/test_gateway_upstream.py)
    assert elapsed < 3
    app.extensions["database"].engine.dispose()


def test_refused_connection_is_a_503_with_retry_after(auth_header):
    app = gateway_with(REWARDS_URL=f"http://127.0.0.1:{closed_port()}")
    answer = app.test_client().get("/api/v1/rewards", headers=auth_header())
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "5"
    assert answer.json["type"].endswith("/service-unavailable")
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503
    assert ready.json["checks"]["rewards"].startswith("down")
    app.extensions["database"].engine.dispose()


def test_forged_token_is_refused_before_forwarding(make_token):
    app = gateway_with(POINTS_URL=f"http://127.0.0.1:{closed_port()}")
    answer = app.test_client().get(
        "/api/v1/points/balance", headers={"Authorization": "Bearer forged.token.value"}
    )
    # 401, not 503: the gateway never got as far as the (absent) service
    assert answer.status_code == 401
    app.extensions["database"].engine.dispose()


def test_the_forwarders_own_problems_speak_the_callers_language(auth_header):
    app = gateway_with(REWARDS_URL=f"http://127.0.0.1:{closed_port()}", MAX_CONTENT_LENGTH="10")
    client = app.test_client()
    chinese = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}
    unreachable = client.get("/api/v1/rewards", headers={**auth_header(), **chinese})
    assert unreachable.status_code == 503
    assert unreachable.json["detail"] == "服务暂时不可用，请稍后再试。"
    assert unreachable.headers["Content-Language"] == "zh-CN"
    assert unreachable.headers["Vary"] == "Accept-Language"
    forged = client.get("/api/v1/rewards", headers={"Authorization": "Bearer x.y.z", **chinese})
    assert (forged.status_code, forged.json["title"]) == (401, "登录凭证无效")
    assert forged.json["detail"] == "登录凭证无效，请重新登录。"
    too_big = client.post("/api/v1/rewards", data=b"x" * 11, headers=chinese)
    assert (too_big.status_code, too_big.json["detail"]) == (413, "请求内容过大。")
    # no Accept-Language: the API's default, English, with the service's name in it
    english = client.get("/api/v1/rewards", headers=auth_header())
    assert english.json["detail"] == "The rewards service is unavailable; try again shortly."
    assert english.headers["Content-Language"] == "en"
    app.extensions["database"].engine.dispose()


def test_login_limit_per_address():
    app = gateway_with(LOGIN_LIMIT_PER_ADDRESS="3", LOGIN_FREE_GUESSES="100")
    client = app.test_client()
    for n in range(3):
        wrong = {"username": f"someone{n}", "password": "not the password"}
        assert client.post("/api/v1/auth/token", json=wrong).status_code == 401
    limited = client.post("/api/v1/auth/token", json={"username": "other", "password": "x"})
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    app.extensions["database"].engine.dispose()


def test_behind_a_trusted_proxy_the_limit_is_per_client():
    app = gateway_with(LOGIN_LIMIT_PER_ADDRESS="2", LOGIN_FREE_GUESSES="100", TRUSTED_PROXIES="1")
    client = app.test_client()

    def attempt(client_address: str) -> int:
        wrong = {"username": f"u{uuid.uuid4().hex[:8]}", "password": "not the password"}
        headers = {"X-Forwarded-For": client_address}
        return client.post("/api/v1/auth/token", json=wrong, headers=headers).status_code

    assert [attempt("203.0.113.7") for _ in range(3)] == [401, 401, 429]
    # another client behind the same proxy is not locked out
    assert attempt("198.51.100.9") == 401
    app.extensions["database"].engine.dispose()


def test_every_request_leaves_one_access_line_with_its_request_id(caplog, auth_header):
    import logging

    app = gateway_with(POINTS_URL=f"http://127.0.0.1:{closed_port()}")
    client = app.test_client()
    with caplog.at_level(logging.INFO, logger="civic.access"):
        client.get("/api/v1/me", headers={"X-Request-ID": "own-route-1"})
        client.get(
            "/api/v1/points/balance", headers={**auth_header(), "X-Request-ID": "forwarded-2"}
        )
    lines = {r.request_id: r for r in caplog.records if r.name == "civic.access"}
    assert lines["own-route-1"].status == 401 and lines["own-route-1"].path == "/api/v1/me"
    assert lines["forwarded-2"].status == 503 and lines["forwarded-2"].method == "GET"
    assert lines["forwarded-2"].duration_ms >= 0
    app.extensions["database"].engine.dispose()


def test_registrations_are_limited_per_address():
    app = gateway_with(REGISTER_LIMIT_PER_ADDRESS="2")
    client = app.test_client()

    def register(name: str) -> int:
        body = {"username": name, "password": "long enough pw", "display_name": name}
        return client.post("/api/v1/auth/register", json=body).status_code

    assert [register("first1"), register("first1"), register("third3")] == [201, 409, 429]
    app.extensions["database"].engine.dispose()
