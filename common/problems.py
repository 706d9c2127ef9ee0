"""RFC 9457 problem details: one error shape for every failure of every process."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, has_request_context, json, request
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from common.errors import DomainError, status_of
from common.i18n import API_DEFAULT, LANGUAGE_TAGS, N_, has_translation, negotiate, translate

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


# A sentence per problem kind for readers of another language, used when the detail
# itself (often built with numbers in it) has no translation. English keeps the detail.
KIND_DETAILS: dict[str, str] = {
    "validation-error": N_("The request has invalid fields; see errors."),
    "not-found": N_("There is nothing here with this id."),
    "unauthorized": N_("Sign in first, or sign in again."),
    "forbidden": N_("You may not do this."),
    "conflict": N_("The state of things does not allow this now."),
    "wrong-state": N_("This is no longer in a state that allows it."),
    "too-many-requests": N_("Too many attempts; wait a little and try again."),
    "service-unavailable": N_("A service is unavailable; try again shortly."),
    "upstream-timeout": N_("A service did not answer in time; try again shortly."),
    "invalid-token": N_("The access token is not valid; sign in again."),
    "insufficient-points": N_("You do not have enough points for this."),
    "out-of-stock": N_("None are left."),
    "limit-reached": N_("You have reached the limit for this reward."),
    "not-eligible": N_("You are not eligible for this reward."),
    "not-open": N_("This is not open now."),
    "username-taken": N_("This username is taken; choose another."),
    "invalid-credentials": N_("The username or password is wrong."),
    "invalid-code": N_("The station code is not valid."),
    "expired-code": N_("The station code has expired; scan the new one."),
    "too-many-code-guesses": N_("Too many wrong codes; wait a little and try again."),
    "already-checked-in": N_("You have already checked in here today."),
    "outside-station": N_("You are too far from the station to check in."),
    "overlapping-hours": N_("These hours overlap hours you have already logged."),
    "future-hours": N_("Hours cannot end in the future."),
    "report-limit": N_("You have sent too many reports this hour."),
    "photo-too-large": N_("The photo is too large."),
    "unsupported-photo": N_("The photo must be a JPEG, PNG or WebP image."),
    "photo-limit": N_("A report has at most three photos."),
    "out-of-scope": N_("This is outside the organisations you coordinate."),
    "own-hours": N_("You cannot approve your own hours."),
    "own-report": N_("You cannot verify your own report."),
    "own-request": N_("You cannot approve your own request."),
    "idempotency-key-required": N_("Send an Idempotency-Key header."),
    "idempotency-key-reused": N_("This Idempotency-Key was used with a different request body."),
    "idempotency-key-in-flight": N_("The same request is still being processed; retry shortly."),
    "payload-too-large": N_("The request body is larger than this endpoint accepts."),
    "malformed-request": N_("The request body is not valid JSON."),
    "internal-error": N_("Something went wrong on our side; it was logged."),
}

# titles (today's English, made from the kind) and fixed field messages the catalogue knows
CATALOGUED_TITLES = (
    N_("Validation failed"),
    N_("Not found"),
    N_("Unauthorized"),
    N_("Forbidden"),
    N_("Conflict"),
    N_("Wrong state"),
    N_("Too many requests"),
    N_("Service unavailable"),
    N_("Insufficient points"),
    N_("Out of stock"),
    N_("Limit reached"),
    N_("Not eligible"),
    N_("Not open"),
    N_("Username taken"),
    N_("Invalid credentials"),
    N_("Invalid code"),
    N_("Expired code"),
    N_("Too many code guesses"),
    N_("Already checked in"),
    N_("Outside station"),
    N_("Overlapping hours"),
    N_("Future hours"),
    N_("Report limit"),
    N_("Photo too large"),
    N_("Unsupported photo"),
    N_("Photo limit"),
    N_("Out of scope"),
    N_("Own hours"),
    N_("Own report"),
    N_("Own request"),
    N_("Idempotency key required"),
    N_("Idempotency key reused"),
    N_("Idempotency key in flight"),
    N_("Payload too large"),
    N_("Malformed request"),
    N_("Internal error"),
    N_("Bad request"),
    N_("Method not allowed"),
    N_("Unsupported media type"),
    N_("Not signed up"),
    N_("Already signed up"),
    N_("Activity full"),
    N_("Activity over"),
    N_("Self logging closed"),
    N_("Own task"),
    N_("Not owner"),
    N_("Invalid refresh token"),
    N_("Already appealed"),
    N_("Already approved"),
    N_("Same administrator"),
    N_("Voucher not valid"),
    N_("Points unavailable"),
    N_("Upstream timeout"),
    N_("Invalid token"),
)
CATALOGUED_FIELD_MESSAGES = (
    N_("Missing data for required field."),
    N_("Not a valid string."),
    N_("Not a valid number."),
    N_("Not a valid integer."),
    N_("Not a valid UUID."),
    N_("Not a valid datetime."),
    N_("Not a valid date."),
    N_("Not a valid boolean."),
    N_("Field may not be null."),
    N_("Unknown field."),
    N_("Invalid value."),
    N_("Not a valid list."),
    N_("Invalid input type."),
    N_("3 to 40 letters, digits, '.', '_' or '-', starting with a letter or digit."),
    N_("Not a report category; see GET /api/v1/reports/categories."),
    N_("The hazard cannot be seen in the future."),
)

# marshmallow's messages that carry numbers or choices: (pattern, English template)
_FIELD_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"^Length must be between (\S+) and (\S+)\.$"),
        N_("Length must be between {0} and {1}."),
    ),
    (re.compile(r"^Shorter than minimum length (\S+)\.$"), N_("Shorter than minimum length {0}.")),
    (re.compile(r"^Longer than maximum length (\S+)\.$"), N_("Longer than maximum length {0}.")),
    (
        re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"),
        N_("Must be between {0} and {1}."),
    ),
    (re.compile(r"^Must be greater than or equal to (\S+)\.$"), N_("Must be at least {0}.")),
    (re.compile(r"^Must be less than or equal to (\S+)\.$"), N_("Must be at most {0}.")),
    (re.compile(r"^Must be one of: (.*)\.$"), N_("Must be one of: {0}.")),
)


def _field_message(message: str, locale: str) -> str:
    if has_translation(message, locale):
        return translate(message, locale)
    for pattern, template in _FIELD_PATTERNS:
        found = pattern.match(message)
        if found:
            return translate(template, locale).format(*found.groups())
    return message


def localized(body: dict[str, Any], kind: str, locale: str) -> dict[str, Any]:
    """The problem body in ``locale``: title and detail by kind, field messages one by one."""
    if locale == "en":
        return body
    detail = str(body.get("detail", ""))
    if has_translation(detail, locale):
        body["detail"] = translate(detail, locale)
    elif kind in KIND_DETAILS:
        body["detail"] = translate(KIND_DETAILS[kind], locale)
    body["title"] = translate(str(body.get("title", "")), locale)
    errors = body.get("errors")
    if isinstance(errors, Mapping):
        body["errors"] = {
            name: [_field_message(str(m), locale) for m in messages]
            for name, messages in errors.items()
        }
    return body


def _in_language(problem: Problem, accept_language: str | None) -> tuple[dict[str, Any], str]:
    """The problem's body in the language ``accept_language`` asks for, and its tag."""
    locale = negotiate(accept_language, API_DEFAULT)
    return localized(problem.to_dict(), problem.kind, locale), LANGUAGE_TAGS[locale]


def problem_response(problem: Problem) -> Response:
    asked = request.headers.get("Accept-Language") if has_request_context() else None
    body, language = _in_language(problem, asked)
    response = Response(json.dumps(body), status=problem.status, mimetype=PROBLEM_MEDIA_TYPE)
    response.headers["Content-Language"] = language
    response.vary.add("Accept-Language")
    for name, value in problem.headers.items():
        response.headers[name] = value
    return response


def problem_bytes(
    status: int, kind: str, detail: str, accept_language: str | None = None
) -> tuple[bytes, str]:
    """The body of a problem in the language ``accept_language`` asks for, and that
    language's tag, for code that answers without Flask (the gateway's forwarder)."""
    body, language = _in_language(Problem(status, kind, detail), accept_language)
    return json.dumps(body).encode(), language


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
