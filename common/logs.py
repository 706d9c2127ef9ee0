"""JSON logs, one object a line, each carrying the request id of the call that caused it.

Every request writes one access line, so the formatter is on the hot path: ``JsonLines``
builds the object straight from the record (python-json-logger's formatter, used before,
cost about three times as much per line; docs/performance.md). The fields are the same:
``time level logger message request_id process`` and the record's extras.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import time
from typing import Any, cast

REQUEST_ID_HEADER = "X-Request-ID"
# the same header as a WSGI environ names it: read from the environ, not through a header view
REQUEST_ID_KEY = "HTTP_" + REQUEST_ID_HEADER.upper().replace("-", "_")

# what every LogRecord has: anything else on a record was passed as ``extra``
_RECORD_FIELDS = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "taskName",
}


class JsonLines(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id, process, extras."""

    def __init__(self, process: str) -> None:
        super().__init__()
        self.process = process

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "process": self.process,
        }
        for key, value in record.__dict__.items():
            if key not in _RECORD_FIELDS:
                line[key] = value
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=_plain)


def _plain(value: Any) -> str:
    """Times as ISO 8601 (as python-json-logger wrote them), anything else as its str()."""
    isoformat = getattr(value, "isoformat", None)
    return str(isoformat()) if callable(isoformat) else str(value)


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is not None:
            return True  # given explicitly (the gateway's forwarder has no Flask request)
        record.request_id = _current_request_id()
        return True


def _current_request_id() -> str | None:
    """The id of the Flask request being served, if any."""
    try:
        from flask import g, has_request_context

        return g.get("request_id") if has_request_context() else None
    except Exception:  # logging must never fail
        return None


def configure_logging(process: str, level: str = "INFO") -> None:
    root = logging.getLogger()
    if getattr(root, "_civic_configured", False):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines(process))
    handler.addFilter(_RequestIdFilter())
    root.handlers = [handler]
    root.setLevel(level)
    root._civic_configured = True  # type: ignore[attr-defined]


_access = logging.getLogger("civic.access")


def log_access(
    method: str, path: str, status: int, seconds: float, request_id: str | None = None
) -> None:
    """One line per request: what was asked, the answer, how long it took."""
    if not _access.isEnabledFor(logging.INFO):
        return
    fields: dict[str, Any] = {"method": method, "path": path, "status": status}
    fields["duration_ms"] = round(seconds * 1000, 2)
    handler = _sole_handler()
    if handler is None:  # someone else listens too (a test's caplog): the general way
        if request_id is not None:
            fields["request_id"] = request_id
        _access.info("request", extra=fields)
        return
    # the same line JsonLines writes for this record, without making the record: a
    # LogRecord, the filter and the formatter's walk were a tenth of a balance read
    formatter = cast(JsonLines, handler.formatter)
    now = time.time()
    line = {
        "time": _local_time(now),
        "level": "INFO",
        "logger": _access.name,
        "message": "request",
        "request_id": request_id if request_id is not None else _current_request_id(),
        "process": formatter.process,
        **fields,
    }
    # plain values only (text, numbers, None): json.dumps without arguments reuses its one
    # encoder, where a ``default=`` makes a new one for every line
    text = json.dumps(line) + handler.terminator
    with handler.lock or contextlib.nullcontext():
        handler.stream.write(text)
        handler.flush()


def _sole_handler() -> logging.StreamHandler[Any] | None:
    """The handler configure_logging installed, when it is the only one the line reaches."""
    root = logging.getLogger()
    if _access.handlers or _access.filters or not _access.propagate or len(root.handlers) != 1:
        return None
    handler = root.handlers[0]
    if not isinstance(handler, logging.StreamHandler) or type(handler.formatter) is not JsonLines:
        return None
    if not handler.level <= logging.INFO:
        return None
    if not all(isinstance(f, _RequestIdFilter) for f in handler.filters):
        return None  # a filter of someone else's must see the record
    return handler


_second: list[Any] = [None, ""]  # the last whole second formatted, and its text


def _local_time(now: float) -> str:
    """What logging.Formatter.formatTime writes: local time, then the milliseconds."""
    whole = int(now)
    if _second[0] != whole:
        _second[:] = [whole, time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(whole))]
    return f"{_second[1]},{int((now - whole) * 1000):03d}"


def new_request_id() -> str:
    # 32 random hex digits, as uuid4().hex gave, without building a UUID (a third of the cost)
    return os.urandom(16).hex()


def clean_request_id(value: str | None) -> str:
    """Keep a caller's id when it is short and printable, so ids cannot inject log lines."""
    if value and len(value) <= 64 and value.replace("-", "").isalnum():
        return value
    return new_request_id()
