"""The forwarder's HTTP/1.1 client: a pool of keep-alive connections per service.

urllib3's pool, retry and response objects, and http.client's header parsing through the
email package, were nine tenths of the gateway's CPU per forwarded call (~290 us against
~30 us for the socket calls themselves; ``python -m bench.profile_request --app gateway``).
The forwarder needs little of them: the request goes out as one write, and the answer is
a status line, headers and a body of known length, chunked, or up to the close.

Retries keep urllib3's rule as the gateway used it: a connection the service closed while
idle is noticed before anything is sent on it, and a request that finds it closed anyway
(the service closed it in that very moment) is sent once more on a new connection only
when its method is idempotent, so a POST is never sent twice. Nothing is retried after
the service has started to answer, nor after it was too slow.

Idle connections are shared by every thread or greenlet of the process, the last one
given back taken first (the least likely to have been closed by the service's keep-alive
timeout). Under gevent every client connection is a greenlet of its own, which lives only
as long as that client stays: a connection per thread would be a new connection to the
service for every client, and kept ones would be lost with their greenlets.
"""

from __future__ import annotations

import select
import socket
import threading
import weakref

# never passed on: they describe one hop, not the answer (RFC 9110 section 7.6.1); the
# framing ones among them are read here
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
    }
)
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
_BODY_EXPECTED = frozenset({"POST", "PUT", "PATCH"})
_MAX_HEAD = 64 * 1024
_READ_SIZE = 64 * 1024


class Unreachable(Exception):
    """The service refused or dropped the connection, or did not answer in HTTP."""


class TooSlow(Exception):
    """The service did not answer within the read timeout."""


class _Stale(Unreachable):
    """A reused connection failed before any byte of an answer: the service had closed it."""


class Answer:
    """A service's answer, its headers without the hop-by-hop ones."""

    __slots__ = ("body", "headers", "reason", "status")

    def __init__(self, status: int, reason: str, headers: list[tuple[str, str]], body: bytes):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body


class _Connection:
    __slots__ = ("generation", "idle", "sock")

    def __init__(self, sock: socket.socket, generation: int) -> None:
        self.sock = sock
        self.generation = generation
        # readable while idle means the service closed it (or sent what nobody asked for)
        self.idle = select.poll()
        self.idle.register(sock, select.POLLIN)

    def close(self) -> None:
        self.sock.close()


class _Pool:
    """One service's idle connections; those in use are their caller's alone."""

    def __init__(self, max_idle: int) -> None:
        self.max_idle = max_idle
        # bumped by close_all: a connection of an older generation is not taken back
        self.generation = 0
        self._idle: list[_Connection] = []
        self._lock = threading.Lock()

    def take(self) -> _Connection | None:
        with self._lock:
            return self._idle.pop() if self._idle else None

    def give_back(self, connection: _Connection) -> None:
        with self._lock:
            if connection.generation == self.generation and len(self._idle) < self.max_idle:
                self._idle.append(connection)
                return
        connection.close()

    def close_all(self) -> None:
        with self._lock:
            self.generation += 1
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


class Upstream:
    """One service's address and the pool of connections to it."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        connect_timeout: float = 2.0,
        read_timeout: float = 10.0,
        dropped: frozenset[str] = frozenset(),
        max_idle: int = 64,
    ) -> None:
        """``dropped``: lower-case names of answer headers not to pass on, besides
        HOP_BY_HOP; ``max_idle``: connections kept open while nobody uses them."""
        self.address = (host, port)
        self.dropped = HOP_BY_HOP | dropped
        self.default_host = f"{host}:{port}"
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._pool = _Pool(max_idle)
        # as urllib3's pools did: an Upstream let go of closes its connections
        weakref.finalize(self, self._pool.close_all)

    def close(self) -> None:
        """Close the idle connections, and those in use once their answer is read (new
        ones open when needed)."""
        self._pool.close_all()

    def exchange(
        self, method: str, target: str, head: str, body: bytes | None, host: str | None = None
    ) -> Answer:
        """Send ``method target`` with the header lines ``head`` (each ending in CRLF; no
        Host, Content-Length or framing header) and ``body``; the whole answer back. The
        Host header is ``host`` when the caller gave one, else the service's address."""
        request = _request_bytes(method, target, head, body, host or self.default_host)
        connection = self._pool.take()
        while connection is not None and connection.idle.poll(0):
            connection.close()  # closed by the service while idle: try the next one
            connection = self._pool.take()
        if connection is not None:
            try:
                return self._exchange_on(connection, method, request, reused=True)
            except _Stale:
                if method not in IDEMPOTENT:
                    raise
        return self._exchange_on(self._connect(), method, request, reused=False)

    def _connect(self) -> _Connection:
        try:
            sock = socket.create_connection(self.address, timeout=self.connect_timeout)
        except OSError as exc:  # refused, unreachable, or no answer to the handshake
            raise Unreachable(f"cannot connect: {exc}") from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(self.read_timeout)
        return _Connection(sock, self._pool.generation)

    def _exchange_on(
        self, connection: _Connection, method: str, request: bytes, *, reused: bool
    ) -> Answer:
        sock = connection.sock
        try:
            try:
                sock.sendall(request)
                first = sock.recv(_READ_SIZE)
            except TimeoutError as exc:
                raise TooSlow(str(exc)) from exc
            except OSError as exc:
                raise (_Stale if reused else Unreachable)(str(exc)) from exc
            if not first:
                raise (_Stale if reused else Unreachable)("the service closed the connection")
            answer, keep = _read_answer(_Reader(sock, first), method, self.dropped)
        except BaseException:
            connection.close()
            raise
        if keep:
            self._pool.give_back(connection)
        else:
            connection.close()
        return answer


def _request_bytes(method: str, target: str, head: str, body: bytes | None, host: str) -> bytes:
    head += f"Host: {host}\r\n"
    if body is not None:
        head += f"Content-Length: {len(body)}\r\n"
    elif method in _BODY_EXPECTED:
        head += "Content-Length: 0\r\n"
    # header values arrive as WSGI's latin-1 strings: encoding them back gives the bytes sent
    request = f"{method} {target} HTTP/1.1\r\n{head}\r\n".encode("latin-1")
    return request + body if body else request


class _Reader:
    """What the service has sent and not yet consumed, read on demand."""

    __slots__ = ("buffer", "position", "sock")

    def __init__(self, sock: socket.socket, first: bytes) -> None:
        self.sock = sock
        self.buffer = bytearray(first)
        self.position = 0

    def _fill(self) -> None:
        try:
            more = self.sock.recv(_READ_SIZE)
        except TimeoutError as exc:
            raise TooSlow(str(exc)) from exc
        except OSError as exc:
            raise Unreachable(str(exc)) from exc
        if not more:
            raise Unreachable("the service closed the connection in the middle of its answer")
        if self.position:
            del self.buffer[: self.position]
            self.position = 0
        self.buffer += more

    def until(self, marker: bytes, limit: int) -> bytes:
        """The bytes before ``marker``, which is consumed too."""
        found = self.buffer.find(marker, self.position)
        while found < 0:
            if len(self.buffer) - self.position > limit:
                raise Unreachable("the service's answer has overlong lines")
            # where the marker could still start, from the unconsumed start (which
            # _fill may move to 0)
            offset = max(len(self.buffer) - len(marker) + 1 - self.position, 0)
            self._fill()
            found = self.buffer.find(marker, self.position + offset)
        data = bytes(self.buffer[self.position : found])
        self.position = found + len(marker)
        return data

    def exactly(self, size: int) -> bytes:
        while len(self.buffer) - self.position < size:
            self._fill()
        data = bytes(self.buffer[self.position : self.position + size])
        self.position += size
        return data

    def to_close(self) -> bytes:
        while True:
            try:
                self._fill()
            except Unreachable:
                return bytes(self.buffer[self.position :])

    @property
    def drained(self) -> bool:
        return self.position == len(self.buffer)


def _read_answer(reader: _Reader, method: str, dropped: frozenset[str]) -> tuple[Answer, bool]:
    """The answer and whether its connection can carry another request."""
    while True:
        head = reader.until(b"\r\n\r\n", _MAX_HEAD)
        status, reason, headers, framing = _parse_head(head, dropped)
        if not 100 <= status < 200:
            break  # interim answers (100 Continue) precede the real one
    length, chunked, keep = framing
    if method == "HEAD" or status in (204, 304):
        body = b""
    elif chunked:
        body = _read_chunked(reader)
    elif length is not None:
        body = reader.exactly(length)
    else:
        return Answer(status, reason, headers, reader.to_close()), False
    return Answer(status, reason, headers, body), keep and reader.drained


def _parse_head(
    raw: bytes, dropped: frozenset[str]
) -> tuple[int, str, list[tuple[str, str]], tuple[int | None, bool, bool]]:
    status_line, *lines = raw.decode("latin-1").split("\r\n")
    version, _, rest = status_line.partition(" ")
    code, _, reason = rest.partition(" ")
    if not version.startswith("HTTP/1.") or len(code) != 3 or not code.isdigit():
        raise Unreachable(f"the service did not answer in HTTP: {status_line[:40]!r}")
    headers: list[tuple[str, str]] = []
    length: int | None = None
    chunked = False
    keep = version != "HTTP/1.0"
    for line in lines:
        name, colon, value = line.partition(":")
        if not colon or not name or name[-1] in " \t":
            raise Unreachable(f"the service sent a malformed header: {line[:40]!r}")
        lowered = name.lower()
        if lowered not in dropped:
            headers.append((name, value.strip(" \t")))
            continue
        value = value.strip(" \t").lower()
        if lowered == "content-length":
            if not value.isdigit():
                raise Unreachable(f"the service sent Content-Length: {value[:20]!r}")
            length = int(value)
        elif lowered == "transfer-encoding":
            chunked = value.endswith("chunked")
        elif lowered == "connection":
            keep = "close" not in value and (keep or "keep-alive" in value)
    return int(code), reason, headers, (length, chunked, keep)


def _read_chunked(reader: _Reader) -> bytes:
    parts: list[bytes] = []
    while True:
        size_line = reader.until(b"\r\n", 1024).split(b";", 1)[0].strip()
        try:
            size = int(size_line, 16)
        except ValueError as exc:
            raise Unreachable(f"the service sent a bad chunk size: {size_line[:20]!r}") from exc
        if size == 0:
            while reader.until(b"\r\n", _MAX_HEAD):
                pass  # trailer fields, which the forwarder drops as urllib3 did
            return b"".join(parts)
        parts.append(reader.exactly(size))
        if reader.exactly(2) != b"\r\n":
            raise Unreachable("the service sent a chunk longer than it announced")
