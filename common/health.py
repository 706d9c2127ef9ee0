"""``/healthz`` (the process is alive) and ``/readyz`` (its database and Redis answer)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, current_app, json

Check = Callable[[], None]


def run_checks(checks: dict[str, Check]) -> tuple[dict[str, str], bool]:
    results: dict[str, str] = {}
    healthy = True
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:
            results[name] = f"down: {type(exc).__name__}"
            healthy = False
    return results, healthy


def health_blueprint() -> Blueprint:
    bp = Blueprint("health", __name__)

    @bp.get("/healthz")
    def healthz() -> Response:
        return Response(json.dumps({"status": "ok"}), mimetype="application/json")

    @bp.get("/readyz")
    def readyz() -> Response:
        checks: dict[str, Check] = current_app.extensions["readiness_checks"]
        results, healthy = run_checks(checks)
        body = {"status": "ok" if healthy else "unavailable", "checks": results}
        return Response(
            json.dumps(body), status=200 if healthy else 503, mimetype="application/json"
        )

    return bp
