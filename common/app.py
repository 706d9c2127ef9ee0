"""The application factory every process shares; each service adds its own blueprints."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import marshmallow as ma
from flask import Flask, Response, current_app, g, request
from flask_smorest import Api, Blueprint
from redis import Redis
from sqlalchemy.orm import Session
from webargs.flaskparser import FlaskParser

from common import auth
from common.db import Database, retry_on_dead_connection
from common.health import Check, health_blueprint
from common.hot_reads import HotReads
from common.logs import (
    REQUEST_ID_HEADER,
    REQUEST_ID_KEY,
    clean_request_id,
    configure_logging,
    log_access,
)
from common.problems import register_error_handlers
from common.reads import Reads
from common.revocations import RevokedTokens
from common.settings import Settings
from common.tokens import TokenVerifier
from common.validation import refuse_nul_characters

_IMMUTABLE = (type(None), bool, int, float, str, tuple, frozenset)


class _ArgumentsParser(FlaskParser):
    """webargs makes a new schema from a schema class for every request (about a tenth of
    a balance read); one instance per class does the same work, as the response schemas
    of flask-smorest already do."""

    def __init__(self) -> None:
        super().__init__()
        self._schemas: dict[type[ma.Schema], ma.Schema] = {}
        # what a query schema loads from an empty query string: its defaults, the same every
        # time (a GET without a query is the common case; loading them was a tenth of a
        # balance read). None: that schema's answer cannot be kept (not plain values).
        self._empty_query: dict[type[ma.Schema], dict[str, Any] | None] = {}

    def parse(self, argmap: Any, req: Any = None, **kwargs: Any) -> Any:
        plain = kwargs.get("location") == "query" and not kwargs.get("validate")
        if not (plain and isinstance(argmap, type) and not request.query_string):
            return super().parse(argmap, req, **kwargs)
        if argmap in self._empty_query:
            kept = self._empty_query[argmap]
            if kept is not None:
                return dict(kept)  # a copy: views may pop from their arguments
            return super().parse(argmap, req, **kwargs)
        loaded = super().parse(argmap, req, **kwargs)  # raises when a field is required
        keep = isinstance(loaded, dict) and all(
            isinstance(value, _IMMUTABLE) for value in loaded.values()
        )
        self._empty_query[argmap] = dict(loaded) if keep else None
        return loaded

    def _get_schema(self, argmap: Any, req: Any) -> ma.Schema:
        if isinstance(argmap, type) and issubclass(argmap, ma.Schema):
            schema = self._schemas.get(argmap)
            if schema is None:
                schema = self._schemas.setdefault(argmap, argmap())
            return schema
        return super()._get_schema(argmap, req)


# flask-smorest's documented hook, read when a view is decorated: this module is imported
# by every blueprint module before its views are
Blueprint.ARGUMENTS_PARSER = _ArgumentsParser()


class _App(Flask):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Flask asks ``inspect`` whether every hook and view is a coroutine function, on
        every request (a twentieth of a balance read): the answer never changes."""
        known = self._sync.get(func)
        if known is not None:
            return known
        sync = super().ensure_sync(func)
        if len(self._sync) < 4096:  # views and hooks are few; anything else is not kept
            self._sync[func] = sync
        return sync

    hot_reads: HotReads | None = None

    def wsgi_app(self, environ: Any, start_response: Any) -> Any:
        if self.hot_reads is not None:
            answered = self.hot_reads(environ, start_response)
            if answered is not None:
                return answered
        return super().wsgi_app(environ, start_response)

    def dispatch_request(self) -> Any:
        database: Database = self.extensions["database"]
        return retry_on_dead_connection(database, lambda: Flask.dispatch_request(self))


def build_app(
    service: str,
    import_name: str,
    config: Mapping[str, Any] | None = None,
    *,
    api_blueprints: Iterable[Blueprint] = (),
    on_ready: Callable[[Flask], None] | None = None,
) -> Flask:
    """A Flask app for ``service``: settings, database, Redis, tokens, errors, health, OpenAPI.

    ``config`` overrides environment settings (tests pass DATABASE_URL and friends)
    and is also copied into ``app.config``.
    """
    config = dict(config or {})
    settings = Settings.from_env(service, overrides=config)
    app = _App(import_name)
    app.config.update(
        SETTINGS=settings,
        MAX_CONTENT_LENGTH=settings.max_content_length,
        INTERNAL_API_TOKEN=settings.internal_api_token,
        API_TITLE=f"civic-points {service}",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=f"/api/v1/docs/{service}",
        OPENAPI_JSON_PATH="openapi.json",
    )
    app.config.update(config)
    configure_logging(service, settings.log_level)

    redis = Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
    app.extensions["redis"] = redis
    database = Database()
    database.init_app(app, settings.database_url)
    checks: dict[str, Check] = {"database": database.ping, "redis": redis.ping}
    app.extensions["readiness_checks"] = checks
    verifier = TokenVerifier(settings.jwt_public_key, settings.jwt_issuer, settings.jwt_audience)
    verifier.revoked = RevokedTokens(
        lambda: app.extensions["redis"],
        window=settings.access_token_ttl,
        refresh=float(settings.extra.get("TOKEN_REVOCATIONS_REFRESH", "1")),
    )
    auth.init_app(app, verifier)

    api = Api(app, spec_kwargs={"servers": [{"url": "/"}]})
    api.spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    for blueprint in api_blueprints:
        api.register_blueprint(blueprint)
    app.extensions["civic_api"] = api
    app.register_blueprint(health_blueprint())
    app.before_request(refuse_nul_characters)
    register_error_handlers(app)
    _install_request_id(app)
    # after the plumbing's own hooks, which the fast path does itself: a hook added later
    # (on_ready, an extension) turns it off (common/hot_reads.py)
    app.hot_reads = HotReads(app, verifier)
    if on_ready is not None:
        on_ready(app)
    return app


def _install_request_id(app: Flask) -> None:
    @app.before_request
    def _start() -> None:
        g.request_id = clean_request_id(request.environ.get(REQUEST_ID_KEY))
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        request_id = g.get("request_id")
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
        started = g.get("started")
        log_access(
            request.method,
            request.path,
            response.status_code,
            (time.perf_counter() - started) if started else 0.0,
            request_id or None,
        )
        return response


def session() -> Session:
    """The current app context's database session."""
    database: Database = current_app.extensions["database"]
    return database.session


def reads() -> Reads:
    """The hot reads' connections of this service (common/reads.py): one SELECT, no session."""
    database: Database = current_app.extensions["database"]
    assert database.reads is not None
    return database.reads


def redis_client() -> Redis:
    client: Redis = current_app.extensions["redis"]
    return client


def settings() -> Settings:
    value: Settings = current_app.config["SETTINGS"]
    return value
