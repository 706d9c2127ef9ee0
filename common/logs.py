"""JSON logs, one object a line, each carrying the request id of the call that caused it."""

from __future__ import annotations

import logging
import sys
import uuid

from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is not None:
            return True  # given explicitly (the gateway's forwarder has no Flask request)
        try:
            from flask import g, has_request_context

            record.request_id = g.get("request_id") if has_request_context() else None
        except Exception:  # logging must never fail
            record.request_id = None
        return True


def configure_logging(process: str, level: str = "INFO") -> None:
    root = logging.getLogger()
    if getattr(root, "_civic_configured", False):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            static_fields={"process": process},
        )
    )
    handler.addFilter(_RequestIdFilter())
    root.handlers = [handler]
    root.setLevel(level)
    root._civic_configured = True  # type: ignore[attr-defined]


_access = logging.getLogger("civic.access")


def log_access(
    method: str, path: str, status: int, seconds: float, request_id: str | None = None
) -> None:
    """One line per request: what was asked, the answer, how long it took."""
    if _access.isEnabledFor(logging.INFO):
        fields = {"method": method, "path": path, "status": status}
        fields["duration_ms"] = round(seconds * 1000, 2)
        if request_id is not None:
            fields["request_id"] = request_id
        _access.info("request", extra=fields)


def new_request_id() -> str:
    return uuid.uuid4().hex


def clean_request_id(value: str | None) -> str:
    """Keep a caller's id when it is short and printable, so ids cannot inject log lines."""
    if value and len(value) <= 64 and value.replace("-", "").isalnum():
        return value
    return new_request_id()
