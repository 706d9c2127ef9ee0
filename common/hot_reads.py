"""The hottest reads, answered before Flask builds a request.

A member's balance, their first page of transfers, the rewards list: when a campaign opens,
thousands of members ask for these in the same minute, each as a plain GET of a fixed path
with no query and a valid token. For such a call Flask's request machinery (the request
object, the URL adapter and routing, the before/after hooks, flask-smorest's argument and
response wrappers, the response's WSGI headers) cost more CPU than the read itself
(docs/performance.md, "Reads before Flask").

So a view marked ``@hot_read(QuerySchema)`` is also called here, in an app context with
the caller's principal, its query schema's defaults as its arguments, and the Response it
returns written out with the request id, and the access line Flask's path would write.
Anything else goes to Flask as before: another method, a query string, a body, a missing
or invalid token, a view that raises (a read changes nothing, so Flask doing it again
gives the same answer, or its problem). The answers are the same bytes: a test compares
them with Flask's for each hot read.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import marshmallow as ma
from flask import Flask, Response, g, request

from common.auth import NARROWS_CALLERS
from common.logs import REQUEST_ID_HEADER, REQUEST_ID_KEY, clean_request_id, log_access
from common.tokens import InvalidToken, TokenVerifier, bearer_token

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

F = TypeVar("F", bound=Callable[..., Any])

log = logging.getLogger(__name__)

_MARK = "_hot_read_query"
_ENVIRON = "hot_read_environ"  # on g while the fast path calls a view


def hot_read(query: type[ma.Schema]) -> Callable[[F], F]:
    """Mark a GET view, under its flask-smorest decorators, as one answered before Flask
    when called without a query: it takes ``query``'s defaults and returns a Response."""

    def mark(view: F) -> F:
        setattr(view, _MARK, query)
        return view

    return mark


@dataclass(frozen=True)
class _Target:
    view: Callable[[dict[str, Any]], Any]
    arguments: dict[str, Any]


class HotReads:
    """An app's hot reads by path, found among its views once the blueprints are in."""

    def __init__(self, app: Flask, verifier: TokenVerifier) -> None:
        self.app = app
        self.verifier = verifier
        self.enabled = True
        self.targets: dict[str, _Target] = {}
        # the request hooks the fast path stands in for (the request id, the access line,
        # the NUL check, which a plain GET of a known path passes): checked again at the
        # first call, when the app is complete
        self._hooks = frozenset(_request_hooks(app))
        self._hooks_checked = False
        for rule in app.url_map.iter_rules():
            view = _marked(app.view_functions[rule.endpoint])
            if view is None:
                continue
            if rule.arguments or "GET" not in (rule.methods or ()):
                raise TypeError(f"{rule.rule}: a hot read is a GET of a path without parts")
            # the arguments Flask's path would load from an empty query (raises when one is
            # required: such a view cannot be called without a query)
            arguments = getattr(view, _MARK)().load({})
            self.targets[rule.rule] = _Target(view, arguments)

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes] | None:
        """The answer, or None: Flask answers this request."""
        target = self.targets.get(environ.get("PATH_INFO", ""))
        if target is None or not _plain_get(environ):
            return None
        if not self._hooks_checked:
            self._check_hooks()
        if not self.enabled:
            return None
        started = time.perf_counter()
        try:
            token = bearer_token(environ.get("HTTP_AUTHORIZATION"))
            principal = None if token is None else self.verifier.verify(token)
        except InvalidToken:
            return None
        if principal is None:
            return None
        request_id = clean_request_id(environ.get(REQUEST_ID_KEY))
        with self.app.app_context():
            g.principal, g.request_id = principal, request_id
            setattr(g, _ENVIRON, environ)
            try:
                response = target.view(dict(target.arguments))
            except Exception:  # noqa: BLE001 - Flask does it again and answers as it should
                return None
        if not isinstance(response, Response) or response.is_streamed:
            return None
        headers = response.headers.to_wsgi_list()
        headers.append((REQUEST_ID_HEADER, request_id))
        body = response.get_data()
        start_response(response.status, headers)
        log_access(
            "GET",
            environ["PATH_INFO"],
            response.status_code,
            time.perf_counter() - started,
            request_id,
        )
        return [body]

    def _check_hooks(self) -> None:
        """Turn the fast path off when the app has request hooks it would skip."""
        added = set(_request_hooks(self.app)) - self._hooks
        if added:
            self.enabled = False
            log.warning(
                "hot reads answered by Flask: the app has request hooks they would skip",
                extra={"hooks": sorted(added)},
            )
        self._hooks_checked = True


def _request_hooks(app: Flask) -> list[str]:
    """Every hook Flask runs around a request, by kind and blueprint."""
    registries: dict[str, dict[Any, list[Callable[..., Any]]]] = {
        "before": app.before_request_funcs,
        "after": app.after_request_funcs,
        "teardown": app.teardown_request_funcs,
        "url_value": app.url_value_preprocessors,
    }
    return [
        f"{kind}:{blueprint}:{function.__module__}.{function.__qualname__}"
        for kind, registry in registries.items()
        for blueprint, functions in registry.items()
        for function in functions
    ]


def request_environ() -> WSGIEnvironment:
    """The current call's WSGI environ, whether Flask or the fast path answers it: what a
    hot read's view reads of the request besides its token (Accept-Language) comes from
    here, as there is no Flask request on the fast path."""
    environ: WSGIEnvironment | None = g.get(_ENVIRON)
    return environ if environ is not None else request.environ


def _marked(view: Callable[..., Any]) -> Callable[[dict[str, Any]], Any] | None:
    """The view's own function, under its decorators, when it is marked as a hot read.

    functools.wraps copies a function's attributes onto its wrapper, so every decorator
    above the marked function carries the mark too: the deepest one is the view itself.
    """
    if getattr(view, _MARK, None) is None:
        return None
    if getattr(view, NARROWS_CALLERS, False):
        # the fast path checks the token and nothing more: such a view is not hot
        raise TypeError(f"{view.__name__}: a hot read must not need roles or the service token")
    deepest: Any = view
    while getattr(deepest, "__wrapped__", None) is not None:
        deepest = deepest.__wrapped__
    if getattr(deepest, _MARK, None) is None:
        raise TypeError(f"{view.__name__}: @hot_read goes under every other decorator")
    return deepest  # type: ignore[no-any-return]


def _plain_get(environ: WSGIEnvironment) -> bool:
    """A GET with no query string and no body."""
    return (
        environ.get("REQUEST_METHOD") == "GET"
        and not environ.get("QUERY_STRING")
        and environ.get("CONTENT_LENGTH") in (None, "", "0")
        and "HTTP_TRANSFER_ENCODING" not in environ
    )
