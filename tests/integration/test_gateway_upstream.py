"""The forwarder's own HTTP/1.1 client (gateway/upstream.py) against a real socket server
whose answers each test writes byte by byte: keep-alive, a connection the service closed
while idle, retries (a read once, a POST never twice), framing and interim answers."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from gateway import create_app
from gateway.upstream import Upstream
from tests.helpers.scripted_service import Script, ScriptedService, ok


@pytest.fixture
def service() -> Iterator[Callable[..., ScriptedService]]:
    started: list[ScriptedService] = []

    def start(script: Script, **options: bool) -> ScriptedService:
        started.append(ScriptedService(script, **options))
        return started[-1]

    yield start
    for each in started:
        each.close()


@pytest.fixture
def gateway_to() -> Iterator[Callable[..., object]]:
    apps = []

    def make(port: int, **config: object) -> object:
        apps.append(
            create_app({"TESTING": True, "POINTS_URL": f"http://127.0.0.1:{port}", **config})
        )
        return apps[-1].test_client()

    yield make
    for app in apps:
        app.wsgi_app.close()
        app.extensions["database"].engine.dispose()


BALANCE = "/api/v1/points/balance"


def test_one_connection_carries_every_call_of_a_thread(service, gateway_to, auth_header):
    upstream = service(lambda request, number: ok(b'{"n":%d}' % number))
    client = gateway_to(upstream.port)
    answers = [client.get(BALANCE, headers=auth_header()) for _ in range(3)]
    assert [a.json["n"] for a in answers] == [0, 1, 2]
    assert upstream.connections == 1


def test_threads_take_turns_on_one_idle_connection(service, gateway_to, auth_header):
    upstream = service(lambda request, number: ok())
    client = gateway_to(upstream.port)
    for _ in range(3):
        caller = threading.Thread(
            target=client.get, args=(BALANCE,), kwargs={"headers": auth_header()}
        )
        caller.start()
        caller.join()
    assert len(upstream.requests) == 3
    assert upstream.connections == 1


def _at_once(calls: int, call: Callable[[], object]) -> None:
    callers = [threading.Thread(target=call) for _ in range(calls)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()


def test_calls_at_once_each_get_a_connection_and_keep_it(service):
    together = threading.Barrier(4, timeout=5)

    def answer_when_all_four_are_in(request: bytes, number: int) -> bytes:
        together.wait()  # four requests in flight: four connections
        return ok()

    upstream = service(answer_when_all_four_are_in)
    client = Upstream("127.0.0.1", upstream.port)
    _at_once(4, lambda: client.exchange("GET", "/", "", None))
    _at_once(4, lambda: client.exchange("GET", "/", "", None))
    assert len(upstream.requests) == 8
    assert upstream.connections == 4  # the second round took the first round's
    client.close()


def test_idle_connections_beyond_the_limit_are_closed(service):
    together = threading.Barrier(3, timeout=5)

    def answer_when_all_three_are_in(request: bytes, number: int) -> bytes:
        together.wait()
        return ok()

    upstream = service(answer_when_all_three_are_in)
    client = Upstream("127.0.0.1", upstream.port, max_idle=1)
    _at_once(3, lambda: client.exchange("GET", "/", "", None))
    deadline = time.monotonic() + 2
    while upstream.closes < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert (upstream.connections, upstream.closes) == (3, 2)
    client.close()


def test_closed_connections_are_opened_again(service, gateway_to, auth_header):
    upstream = service(lambda request, number: ok())
    client = gateway_to(upstream.port)
    assert client.get(BALANCE, headers=auth_header()).status_code == 200
    client.application.wsgi_app.close()
    assert client.post(BALANCE, headers=auth_header(), json={}).status_code == 200
    assert upstream.connections == 2


def test_a_connection_closed_while_idle_is_not_used(service, gateway_to, auth_header):
    upstream = service(lambda request, number: ok(), close_after_answer=True)
    client = gateway_to(upstream.port)
    assert client.get(BALANCE, headers=auth_header()).status_code == 200
    upstream.closed.wait(2)
    time.sleep(0.05)  # the close reaches the gateway's socket
    # even a POST, which is never sent twice: the closed connection is noticed before
    assert client.post(BALANCE, headers=auth_header(), json={}).status_code == 200
    assert len(upstream.requests) == 2 and upstream.connections == 2


def _drops_the_second_request(request: bytes, number: int) -> bytes | None:
    # the service closing a kept-alive connection just as the next request arrives
    return ok() if number == 0 else None


def test_a_read_is_sent_again_once_when_the_connection_drops(service, gateway_to, auth_header):
    upstream = service(_drops_the_second_request)
    client = gateway_to(upstream.port)
    assert client.get(BALANCE, headers=auth_header()).status_code == 200
    assert client.get(BALANCE, headers=auth_header()).status_code == 200
    assert len(upstream.requests) == 3 and upstream.connections == 2


def test_a_post_is_never_sent_twice(service, gateway_to, auth_header):
    upstream = service(_drops_the_second_request)
    client = gateway_to(upstream.port)
    assert client.get(BALANCE, headers=auth_header()).status_code == 200
    answer = client.post(BALANCE, headers=auth_header(), json={"a": 1})
    assert answer.status_code == 503
    assert answer.content_type == "application/problem+json"
    posts = [r for r in upstream.requests if r.startswith(b"POST ")]
    assert len(posts) == 1 and upstream.connections == 1


def _slow(request: bytes, number: int) -> bytes:
    time.sleep(1.5)
    return ok()


def test_a_slow_read_is_a_504_and_not_sent_again(service, gateway_to, auth_header):
    upstream = service(_slow)
    client = gateway_to(upstream.port, UPSTREAM_TIMEOUT="0.3")
    answer = client.get(BALANCE, headers=auth_header())
    assert answer.status_code == 504
    assert answer.json["type"].endswith("/upstream-timeout")
    assert upstream.connections == 1


def test_chunked_and_interim_answers_are_read_whole(service, gateway_to, auth_header):
    chunked = (
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 201 CREATED\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\n"
        b"Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nKeep-Alive: timeout=5\r\n\r\n"
        b"4\r\nid,n\r\n6;ext=1\r\n\n1,two\r\n0\r\nTrailer-Field: x\r\n\r\n"
    )
    upstream = service(lambda request, number: chunked if number == 0 else ok())
    client = gateway_to(upstream.port)
    answer = client.get(BALANCE, headers=auth_header())
    assert (answer.status, answer.data) == ("201 CREATED", b"id,n\n1,two")
    assert answer.headers["Content-Length"] == "10"
    assert answer.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    assert "Transfer-Encoding" not in answer.headers and "Keep-Alive" not in answer.headers
    # the connection is still good for the next call
    assert client.get(BALANCE, headers=auth_header()).status_code == 200
    assert upstream.connections == 1


def test_an_answer_delimited_by_the_close(service, gateway_to, auth_header):
    upstream = service(
        lambda request, number: b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nto the end",
        close_after_answer=True,
    )
    client = gateway_to(upstream.port)
    for _ in range(2):
        answer = client.get(BALANCE, headers=auth_header())
        assert answer.data == b"to the end" and answer.headers["Content-Length"] == "10"
    assert upstream.connections == 2


def test_not_http_is_a_503(service, gateway_to, auth_header):
    upstream = service(lambda request, number: b"SSH-2.0-OpenSSH\r\n\r\n")
    answer = gateway_to(upstream.port).get(BALANCE, headers=auth_header())
    assert answer.status_code == 503


def _echo(request: bytes, number: int) -> bytes:
    return ok(request.partition(b"\r\n\r\n")[2])


def test_large_bodies_both_ways_and_the_headers_sent(service, gateway_to, auth_header):
    upstream = service(_echo)
    client = gateway_to(upstream.port)
    body = b"x" * 300_000
    headers = {
        **auth_header(),
        "X-Request-ID": "req-1",
        "X-Forwarded-For": "203.0.113.1",
        "Connection": "keep-alive, TE",
        "TE": "trailers",
        "Accept-Language": "en",
    }
    answer = client.post(BALANCE + "?a=b c", data=body, headers=headers, content_type="text/plain")
    assert answer.data == body
    head = upstream.requests[0].partition(b"\r\n\r\n")[0].decode("latin-1")
    request_line, *lines = head.split("\r\n")
    assert request_line == "POST /api/v1/points/balance?a=b%20c HTTP/1.1"
    sent = dict(line.split(": ", 1) for line in lines)
    assert sent["X-Request-ID"] == "req-1"
    assert sent["X-Forwarded-For"] == "203.0.113.1, 127.0.0.1"
    assert sent["Content-Length"] == "300000" and sent["Content-Type"] == "text/plain"
    assert sent["Accept-Language"] == "en" and sent["Host"] == "localhost"
    assert not {"Connection", "Te", "TE"} & set(sent)
