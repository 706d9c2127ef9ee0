"""``/healthz`` (the process is alive) and ``/readyz`` (its database and Redis answer)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from flask import Blueprint, Response, current_app, json

# a readiness check raises when its store is away; what it returns is ignored
Check = Callable[[], object]


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


class Heartbeat:
    """A loop's proof of life: it beats each turn; it is stale when the loop is stuck."""

    def __init__(self, stale_after: float = 60.0) -> None:
        import time

        self._clock = time.monotonic
        self.stale_after = stale_after
        self.last = self._clock()

    def beat(self) -> None:
        self.last = self._clock()

    def check(self) -> None:
        age = self._clock() - self.last
        if age > self.stale_after:
            raise RuntimeError(f"no beat for {age:.0f}s")


def serve_health_from_env(
    env: Mapping[str, str], checks: dict[str, Check], alive: Check | None = None
) -> object | None:
    """Serve health on ``HEALTH_PORT`` when it is set (docker-compose sets it per process)."""
    port = env.get("HEALTH_PORT", "").strip()
    if not port:
        return None
    return serve_health(int(port), checks, alive, host=env.get("HEALTH_HOST", "127.0.0.1"))


def serve_health(
    port: int, checks: dict[str, Check], alive: Check | None = None, host: str = "127.0.0.1"
) -> object:
    """``/healthz`` and ``/readyz`` for a process that has no web server of its own
    (worker, relay, scheduler), on a daemon thread; returns the server."""
    import json as stdjson
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            if self.path == "/healthz":
                results, healthy = run_checks({"alive": alive} if alive else {})
            elif self.path == "/readyz":
                results, healthy = run_checks(checks)
            else:
                self.send_error(404)
                return
            body = stdjson.dumps(
                {"status": "ok" if healthy else "unavailable", "checks": results}
            ).encode()
            self.send_response(200 if healthy else 503)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # quiet: probes are frequent
            return

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True, name="health").start()
    return server
