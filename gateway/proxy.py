"""Forwarding ``/api/v1/...`` to the service that owns it.

This sits in front of Flask as plain WSGI: a forwarded call is the hot path of
the whole suite, so it does no routing table walk, no JSON parsing and no
copying it does not need. Connections to each service are pooled; a service
that does not answer becomes a 503 (refused) or 504 (too slow) problem. The connections
are gateway.upstream's: a pool per service, shared by the process's threads.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from common.logs import REQUEST_ID_KEY, clean_request_id, log_access
from common.problems import PROBLEM_MEDIA_TYPE, problem_bytes
from common.tokens import InvalidToken, TokenVerifier, bearer_token
from gateway.upstream import HOP_BY_HOP, TooSlow, Unreachable, Upstream
from suite import public_routes

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

# path prefix -> owning service, from the suite manifest; a prefix matches itself and
# anything below it
ROUTES: dict[str, str] = public_routes()

# never forwarded: they describe one hop, not the request (RFC 9110 section 7.6.1), and
# gunicorn writes its own Date and Server: forwarding the service's would send them twice
_HOP_BY_HOP = HOP_BY_HOP | {"date", "server"}


def match_service(path: str, routes: Mapping[str, str] = ROUTES) -> str | None:
    """The service that owns ``path``: its longest matching prefix, on a segment boundary."""
    best: str | None = None
    for prefix, _service in routes.items():
        if (path == prefix or path.startswith(prefix + "/")) and (
            best is None or len(prefix) > len(best)
        ):
            best = prefix
    return routes[best] if best is not None else None


class ServiceProxy:
    def __init__(
        self,
        app: WSGIApp,
        upstreams: Mapping[str, str],
        verifier: TokenVerifier,
        *,
        timeout: float = 10.0,
        max_body: int = 1024 * 1024,
        routes: Mapping[str, str] = ROUTES,
    ) -> None:
        self.app = app
        self.verifier = verifier
        self.max_body = max_body
        self.routes = dict(routes)
        self._route_cache: dict[str, str | None] = {}
        self.upstreams: dict[str, Upstream] = {}
        for name, base_url in upstreams.items():
            parts = urlsplit(base_url)
            self.upstreams[name] = Upstream(
                parts.hostname or "127.0.0.1",
                parts.port or 80,
                connect_timeout=2.0,
                read_timeout=timeout,
                dropped=_HOP_BY_HOP,
            )

    def close(self) -> None:
        """Close the connections to the services (new ones open when needed)."""
        for upstream in self.upstreams.values():
            upstream.close()

    def _service_for(self, path: str) -> str | None:
        # the first two segments decide the owner; cache on them, not on ids
        head = "/".join(path.split("/", 5)[:5])
        try:
            return self._route_cache[head]
        except KeyError:
            service = match_service(head, self.routes)
            if len(self._route_cache) < 1024:
                self._route_cache[head] = service
            return service

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        answer = _Answerer(environ, start_response, path)
        length = 0
        length_header = environ.get("CONTENT_LENGTH")
        if length_header:
            try:
                length = int(length_header)
            except ValueError:
                return answer.problem(400, "bad-request", "Content-Length is not a number.")
        if length > self.max_body:
            _discard(environ["wsgi.input"], length)
            return answer.problem(
                413, "payload-too-large", "The request body is larger than this API accepts."
            )
        service = self._service_for(path) if path.startswith(("/api/v1/", "/open311")) else None
        if service is None:
            return self.app(environ, start_response)
        refused = self._refuse_bad_token(environ, answer)
        if refused is not None:
            return refused
        body: bytes | None = None
        if length:
            body = environ["wsgi.input"].read(length)
        elif environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked":
            body = environ["wsgi.input"].read(self.max_body + 1)
            if len(body) > self.max_body:
                return answer.problem(
                    413, "payload-too-large", "The request body is larger than this API accepts."
                )
        return self._forward(service, environ, body, answer)

    def _refuse_bad_token(
        self, environ: dict[str, Any], answer: _Answerer
    ) -> Iterable[bytes] | None:
        """A 401 for a token that is present and invalid (the service checks roles)."""
        authorization = environ.get("HTTP_AUTHORIZATION")
        if not authorization:
            return None
        try:
            token = bearer_token(authorization)
            if token:
                self.verifier.verify(token)
        except InvalidToken as exc:
            return answer.problem(
                401,
                "invalid-token",
                f"The access token is not valid: {exc}",
                (("WWW-Authenticate", 'Bearer realm="civic"'),),
            )
        return None

    def _forward(
        self, service: str, environ: dict[str, Any], body: bytes | None, answer: _Answerer
    ) -> Iterable[bytes]:
        head = _forwarded_head(environ, answer.request_id)
        if head is None:
            return answer.problem(400, "bad-request", "A header holds a line break.")
        try:
            upstream = self.upstreams[service].exchange(
                environ["REQUEST_METHOD"],
                _request_target(environ, answer.path),
                head,
                body,
                environ.get("HTTP_HOST"),
            )
        except (TooSlow, Unreachable) as exc:
            return _upstream_failed(service, exc, answer)
        response_headers = upstream.headers  # hop-by-hop ones already left out
        data = upstream.body
        response_headers.append(("Content-Length", str(len(data))))
        answer.start_response(f"{upstream.status} {upstream.reason}", response_headers)
        # the service that answered writes the access line, under the same request id;
        # the gateway writes one only for the answers it gives itself (the hot path stays lean)
        return [data]


class _Answerer:
    """The request's id and clock, and the problems the gateway answers by itself."""

    __slots__ = ("environ", "path", "request_id", "start_response", "started")

    def __init__(self, environ: dict[str, Any], start_response: StartResponse, path: str) -> None:
        self.environ = environ
        self.start_response = start_response
        self.path = path
        self.request_id = clean_request_id(environ.get(REQUEST_ID_KEY))
        self.started = time.perf_counter()

    def problem(
        self, status: int, kind: str, detail: str, extra: tuple[tuple[str, str], ...] = ()
    ) -> Iterable[bytes]:
        body, language = problem_bytes(
            status, kind, detail, self.environ.get("HTTP_ACCEPT_LANGUAGE")
        )
        log_access(
            self.environ.get("REQUEST_METHOD", ""),
            self.path,
            status,
            time.perf_counter() - self.started,
            self.request_id,
        )
        self.start_response(
            f"{status} {_REASONS.get(status, '')}",
            [
                ("Content-Type", PROBLEM_MEDIA_TYPE),
                ("Content-Length", str(len(body))),
                ("Content-Language", language),
                ("Vary", "Accept-Language"),
                ("X-Request-ID", self.request_id),
                *extra,
            ],
        )
        return [body]


# environ key -> the header name it is forwarded under, "" for a key that is not: not a
# header, hop-by-hop, or one the forwarder writes itself (keys are few: caching them all
# spares a test of each key's prefix on every request)
_HEADER_NAMES: dict[str, str] = {}
_WRITTEN_APART = frozenset({"X-Request-Id", "X-Forwarded-For", "Content-Type", "Host"})


def _header_name(key: str) -> str:
    name = key[5:].replace("_", "-").title() if key.startswith("HTTP_") else ""
    if name.lower() in _HOP_BY_HOP or name in _WRITTEN_APART:
        name = ""
    if len(_HEADER_NAMES) < 1024:  # clients choose names; keep the cache from growing
        _HEADER_NAMES[key] = name
    return name


def _forwarded_head(environ: dict[str, Any], request_id: str) -> str | None:
    """The header lines sent to the service (Host apart), or None if a value would break
    a line: neither gunicorn nor werkzeug lets one through, but the lines are written
    by hand here."""
    lines = [f"X-Request-ID: {request_id}\r\n"]
    names = _HEADER_NAMES
    for key, value in environ.items():
        name = names.get(key)
        if name is None:
            name = _header_name(key)
        if name:
            lines.append(f"{name}: {value}\r\n")
    content_type = environ.get("CONTENT_TYPE")
    if content_type:
        lines.append(f"Content-Type: {content_type}\r\n")
    client = environ.get("REMOTE_ADDR", "")
    forwarded = environ.get("HTTP_X_FORWARDED_FOR")
    lines.append(
        f"X-Forwarded-For: {forwarded}, {client}\r\n"
        if forwarded
        else f"X-Forwarded-For: {client}\r\n"
    )
    head = "".join(lines)
    if head.count("\n") != len(lines) or head.count("\r") != len(lines):
        return None
    return head


# a request target with nothing to percent-encode (RFC 3986 path and query characters)
_PLAIN_TARGET = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*")
_TARGET_SAFE = "!$&'()*+,;=:@/?%~"


def _request_target(environ: dict[str, Any], path: str) -> str:
    """The request target as the client sent it (still percent-encoded) when the server
    keeps it, so that non-ASCII paths arrive intact; what is not allowed in a target
    (a space in one that werkzeug's test environ kept raw) is percent-encoded."""
    url: str = environ.get("RAW_URI") or environ.get("REQUEST_URI") or ""
    if not url.startswith("/"):
        query = environ.get("QUERY_STRING")
        url = f"{path}?{query}" if query else path
    if _PLAIN_TARGET.fullmatch(url):
        return url
    url = url.split("#", 1)[0]
    try:  # WSGI strings hold the bytes received as latin-1
        return quote(url.encode("latin-1"), safe=_TARGET_SAFE)
    except UnicodeEncodeError:
        return quote(url, safe=_TARGET_SAFE)


def _upstream_failed(service: str, exc: Exception, answer: _Answerer) -> Iterable[bytes]:
    """504 for a service too slow to answer, 503 for one that cannot be reached."""
    extra = {"request_id": answer.request_id}
    if isinstance(exc, TooSlow):
        log.warning("%s did not answer %s in time", service, answer.path, extra=extra)
        return answer.problem(
            504, "upstream-timeout", f"The {service} service did not answer in time."
        )
    log.warning("%s is unreachable: %s", service, exc, extra=extra)
    return answer.problem(
        503,
        "service-unavailable",
        f"The {service} service is unavailable; try again shortly.",
        (("Retry-After", "5"),),
    )


# Reading what the client already sent before answering 413 lets it see the
# answer instead of a reset connection; past this much we stop being polite.
_MAX_DISCARD = 16 * 1024 * 1024


def _discard(stream: Any, length: int) -> None:
    remaining = min(length, _MAX_DISCARD)
    while remaining > 0:
        chunk = stream.read(min(remaining, 65536))
        if not chunk:
            break
        remaining -= len(chunk)


_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    413: "Content Too Large",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
