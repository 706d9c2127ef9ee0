"""A service on a real socket whose answers each test writes byte by byte, to stand
behind the gateway's forwarder (in process or under gunicorn)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

# (the request's bytes, its number on its connection from 0) -> the bytes to answer, or
# None to close the connection without answering
Script = Callable[[bytes, int], bytes | None]


def ok(body: bytes = b'{"ok":true}', *extra: str) -> bytes:
    head = "".join(f"{line}\r\n" for line in extra)
    return (
        f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{head}"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


class ScriptedService:
    def __init__(self, script: Script, *, close_after_answer: bool = False) -> None:
        self.script = script
        self.close_after_answer = close_after_answer
        self.requests: list[bytes] = []
        self.connections = 0
        self.closes = 0
        self.closed = threading.Event()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection = self.server.accept()[0]
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            number = 0
            while (request := _read_request(connection)) is not None:
                self.requests.append(request)
                answer = self.script(request, number)
                if answer is None:
                    break
                connection.sendall(answer)
                number += 1
                if self.close_after_answer:
                    break
        self.closes += 1
        self.closed.set()

    def close(self) -> None:
        self.server.close()


def _read_request(connection: socket.socket) -> bytes | None:
    data = b""
    while b"\r\n\r\n" not in data:
        more = connection.recv(65536)
        if not more:
            return None
        data += more
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        body += connection.recv(65536)
    return head + b"\r\n\r\n" + body
