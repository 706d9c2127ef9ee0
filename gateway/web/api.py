"""How a page calls the public API: in process, through the gateway's own WSGI stack.

A page never reaches into a service or a database. It builds the very request a phone
app would send (``/api/v1/...`` with the signed-in user's bearer token, kept in the
server-side session) and hands it to the gateway's WSGI application: the forwarder sends
service paths on to their service, identity paths reach the gateway's own views. So
everything a page does is possible through the API, with the same checks and errors.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from flask import current_app, g, request, session
from redis import Redis
from werkzeug.datastructures import FileStorage
from werkzeug.test import EnvironBuilder, run_wsgi_app

from gateway.web import session as web_session

# refresh the access token when it has less than this left
REFRESH_MARGIN = 60


class SignedOut(Exception):
    """The session has no usable tokens any more: the page sends the user to sign in."""


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes = b""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def problem(self) -> dict[str, Any]:
        return self.body if isinstance(self.body, dict) and not self.ok else {}

    @property
    def field_errors(self) -> dict[str, list[str]]:
        errors = self.problem.get("errors") or {}
        return {str(k): list(v) for k, v in errors.items()}


def _dispatch(
    method: str,
    path: str,
    *,
    json_body: Any = None,
    files: dict[str, FileStorage] | None = None,
    form: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    sent: dict[str, str] = {"Accept-Language": g.get("language_tag", "zh-CN"), **(headers or {})}
    if g.get("request_id"):
        sent["X-Request-ID"] = g.request_id
    data: Any = None
    if files is not None or form is not None:
        data = {**(form or {}), **(files or {})}
    builder = EnvironBuilder(
        path=path,
        method=method,
        headers=list(sent.items()),
        json=json_body,
        data=data,
        environ_base={"REMOTE_ADDR": request.remote_addr or "127.0.0.1"},
    )
    try:
        environ = builder.get_environ()
    finally:
        builder.close()
    chunks, status, response_headers = run_wsgi_app(current_app.wsgi_app, environ)
    try:
        raw = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    content_type = response_headers.get("Content-Type", "")
    body: Any = raw
    if "json" in content_type and raw:
        body = json.loads(raw)
    return Answer(int(status.split()[0]), body, dict(response_headers), raw)


def remember_tokens(pair: dict[str, Any]) -> None:
    session["access_token"] = pair["access_token"]
    session["refresh_token"] = pair["refresh_token"]
    session["expires_at"] = time.time() + int(pair.get("expires_in", 900))


def _redis() -> Redis:
    client: Redis = current_app.extensions["redis"]
    return client


def _fresh_access_token() -> str:
    """The session's access token, refreshed under a lock when it is about to expire.

    Two tabs refreshing with one refresh token would look like theft to the gateway (a
    spent token presented again revokes the whole login), so one refresh at a time per
    session, and the second tab reads what the first one stored."""
    token = session.get("access_token")
    if not token:
        raise SignedOut()
    if float(session.get("expires_at", 0)) - REFRESH_MARGIN > time.time():
        return str(token)
    sid = getattr(session, "sid", None) or "anonymous"
    with _redis().lock(
        f"web:refresh:{web_session.redis_key(sid)}", timeout=10, blocking_timeout=10
    ):
        stored = web_session.load(_redis(), sid) if sid != "anonymous" else None
        if stored and stored.get("refresh_token") != session.get("refresh_token"):
            remember_tokens({**stored, "expires_in": stored["expires_at"] - time.time()})
            return str(stored["access_token"])
        answer = _dispatch(
            "POST", "/api/v1/auth/refresh", json_body={"refresh_token": session["refresh_token"]}
        )
        if not answer.ok:
            session.clear()
            raise SignedOut()
        remember_tokens(answer.body)
        web_session.store_now(_redis(), sid, dict(session))
        return str(answer.body["access_token"])


def call(
    method: str,
    path: str,
    *,
    json_body: Any = None,
    files: dict[str, FileStorage] | None = None,
    headers: dict[str, str] | None = None,
    signed_in: bool = True,
) -> Answer:
    """Call ``/api/v1`` + ``path`` as the signed-in user (``signed_in=False``: anonymously)."""
    sent = dict(headers or {})
    if signed_in:
        sent["Authorization"] = f"Bearer {_fresh_access_token()}"
    answer = _dispatch(method, "/api/v1" + path, json_body=json_body, files=files, headers=sent)
    if signed_in and answer.status == 401:
        session.clear()
        raise SignedOut()
    return answer


def get(path: str, **query: Any) -> Answer:
    """GET a resource; ``query`` values that are None are left out."""
    params = {k: v for k, v in query.items() if v is not None and v != ""}
    if params:
        path = f"{path}?{urlencode(params)}"
    return call("GET", path)
