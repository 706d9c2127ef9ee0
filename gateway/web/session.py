"""Server-side sessions in Redis: the browser holds only a random id in an HttpOnly cookie.

The signed-in user's access and refresh tokens stay on the server, so a script on a page
can never read them, and signing out really ends the session (its Redis key is deleted).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin
from redis import Redis
from werkzeug.datastructures import CallbackDict

COOKIE = "civic_session"
KEY_PREFIX = "web:session:"
ANONYMOUS_TTL = 24 * 3600


class ServerSession(CallbackDict[str, Any], SessionMixin):
    """A session whose content lives in Redis under a hash of the cookie's id."""

    def __init__(self, sid: str | None, initial: dict[str, Any] | None = None) -> None:
        def on_update(_: Any) -> None:
            self.modified = True

        super().__init__(initial or {}, on_update)
        self.sid = sid
        self.modified = False
        self.renew = False

    def regenerate(self) -> None:
        """Give the session a new id (at sign-in, against session fixation)."""
        self.renew = True
        self.modified = True


def redis_key(sid: str) -> str:
    # the id is a bearer secret: Redis keeps only its hash
    return KEY_PREFIX + hashlib.sha256(sid.encode()).hexdigest()


def load(redis: Redis, sid: str) -> dict[str, Any] | None:
    raw = redis.get(redis_key(sid))
    if raw is None:
        return None
    data: dict[str, Any] = json.loads(raw)
    return data


def store_now(redis: Redis, sid: str, data: dict[str, Any]) -> None:
    """Write the session before the answer (fresh tokens other requests must see)."""
    redis.set(redis_key(sid), json.dumps(data), keepttl=True)


class RedisSessionInterface(SessionInterface):
    def __init__(self, redis: Redis, ttl_seconds: int) -> None:
        self.redis = redis
        self.ttl = ttl_seconds

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        sid = request.cookies.get(COOKIE)
        if sid and len(sid) < 100:
            data = load(self.redis, sid)
            if data is not None:
                return ServerSession(sid, data)
        return ServerSession(None)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, ServerSession)
        if not session.modified:
            return
        if session.sid and (session.renew or not session):
            self.redis.delete(redis_key(session.sid))
        if not session:
            if session.sid:
                response.delete_cookie(COOKIE, path="/")
            return
        if session.sid is None or session.renew:
            session.sid = secrets.token_urlsafe(32)
        # a visitor who never signs in keeps a form token and a message for a day, not a month
        ttl = self.ttl if "access_token" in session else ANONYMOUS_TTL
        self.redis.set(redis_key(session.sid), json.dumps(dict(session)), ex=ttl)
        response.set_cookie(
            COOKIE,
            session.sid,
            max_age=ttl,
            path="/",
            httponly=True,
            samesite="Lax",
            secure=bool(app.config.get("SESSION_COOKIE_SECURE")),
        )
        response.vary.add("Cookie")
