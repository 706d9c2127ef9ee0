"""RFC 9457 problem details: one error shape for every failure of every process."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, json
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from common.errors import DomainError, status_of

PROBLEM_TYPE_BASE = "https://civic-points.example/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"

log = logging.getLogger(__name__)


class Problem(Exception):
    """An error a client can act on. ``kind`` becomes the last part of ``type``."""

    def __init__(
        self,
        status: int,
        kind: str,
        detail: str,
        *,
        title: str | None = None,
        errors: Mapping[str, list[str]] | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.detail = detail
        self.title = title or kind.replace("-", " ").capitalize()
        self.errors = errors
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": PROBLEM_TYPE_BASE + self.kind,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors is not None:
            body["errors"] = self.errors
        body.update(self.extra)
        return body


def problem_response(problem: Problem) -> Response:
    response = Response(
        json.dumps(problem.to_dict()), status=problem.status, mimetype=PROBLEM_MEDIA_TYPE
    )
    for name, value in problem.headers.items():
        response.headers[name] = value
    return response


def problem_bytes(status: int, kind: str, detail: str) -> bytes:
    """The body of a problem, for code that answers without Flask (the gateway's proxy)."""
    return json.dumps(Problem(status, kind, detail).to_dict()).encode()


_HTTP_KINDS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation-error",
    429: "too-many-requests",
    503: "service-unavailable",
}


def flatten_validation_messages(messages: Any) -> dict[str, list[str]]:
    """webargs nests messages under their location (json, query); clients want field names."""
    if not isinstance(messages, Mapping):
        return {"_schema": [str(messages)]}
    if set(messages) <= {"json", "query", "form", "headers", "view_args", "files"}:
        merged: dict[str, Any] = {}
        for location_messages in messages.values():
            if isinstance(location_messages, Mapping):
                merged.update(location_messages)
        messages = merged
    flat: dict[str, list[str]] = {}
    for field_name, field_messages in messages.items():
        if isinstance(field_messages, list) and all(isinstance(m, str) for m in field_messages):
            flat[str(field_name)] = field_messages
        elif isinstance(field_messages, Mapping):
            for sub_name, sub_messages in flatten_validation_messages(field_messages).items():
                flat[f"{field_name}.{sub_name}"] = sub_messages
        else:
            flat[str(field_name)] = [str(field_messages)]
    return flat


def http_exception_to_problem(exc: HTTPException) -> Problem:
    status = exc.code or 500
    kind = _HTTP_KINDS.get(status, "http-error")
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages") if isinstance(data, Mapping) else None
    if status == 422 and messages is not None:
        return Problem(
            422,
            "validation-error",
            "The request has invalid fields; see errors.",
            title="Validation failed",
            errors=flatten_validation_messages(messages),
        )
    if status == 400 and messages is not None:
        return Problem(400, "malformed-request", "The request body is not valid JSON.")
    detail = exc.description or exc.name
    if status == 413:
        detail = "The request body is larger than this endpoint accepts."
    headers = {}
    if status == 405 and exc.get_response is not None:
        allow = exc.get_response().headers.get("Allow")
        if allow:
            headers["Allow"] = allow
    return Problem(status, kind, detail, title=exc.name, headers=headers)


def domain_error_to_problem(error: DomainError) -> Problem:
    """The one mapping from a domain error to its problem: the class decides the status."""
    headers = {"Retry-After": str(error.retry_after)} if error.retry_after is not None else None
    return Problem(
        status_of(error),
        error.kind,
        error.detail,
        title=error.title or ("Validation failed" if error.kind == "validation-error" else None),
        errors=error.errors,
        headers=headers,
        extra=error.extra,
    )


def register_error_handlers(app: Flask) -> None:
    """Turn every exception into a problem response (registered after flask-smorest's)."""

    @app.errorhandler(Problem)
    def _problem(problem: Problem) -> Response:
        return problem_response(problem)

    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> Response:
        return problem_response(domain_error_to_problem(error))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        return problem_response(http_exception_to_problem(exc))

    @app.errorhandler(OperationalError)
    @app.errorhandler(RedisConnectionError)
    def _store_down(exc: Exception) -> Response:
        log.error("a backing store is unreachable: %s", exc)
        return problem_response(
            Problem(
                503,
                "service-unavailable",
                "A store this service depends on is unreachable; try again shortly.",
                headers={"Retry-After": "5"},
            )
        )

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error")
        return problem_response(
            Problem(500, "internal-error", "Something went wrong on our side; it was logged.")
        )
