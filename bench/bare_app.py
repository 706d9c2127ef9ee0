"""The baselines: the least a Python web process can do under gunicorn.

``app`` is plain WSGI answering a constant JSON; ``flask_app`` is a bare Flask endpoint
answering the JSON of a balance read (jsonify of a constant dict), the yardstick of
``bench.hot_paths``: what the services' hot paths would cost with no work of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

BODY = b'{"status":"ok"}'
HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", HEADERS)
    return [BODY]


def _flask_app() -> Any:
    from flask import Flask, jsonify

    bare = Flask(__name__)
    answer = {
        "member_id": "0b5b9d0c-7f43-4bd4-9a65-8b3b0b3f8f11",
        "available": 150,
        "held": 0,
        "lifetime_earned": 150,
        "expiring": [],
    }

    @bare.get("/")
    @bare.get("/api/v1/points/balance")  # where the gateway forwards it (bench.hot_paths)
    def balance() -> Any:
        return jsonify(answer)

    @bare.get("/healthz")
    def healthz() -> Any:  # what devtools.suite waits for
        return jsonify(status="ok")

    return bare


flask_app = _flask_app()
