"""Background jobs on RQ: JSON-serialised, enqueued by dotted path, run in an app context.

A queue must never be a way to run code, so jobs are JSON (never pickle) and
name their function by its dotted path.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from redis import Redis
from rq import Queue
from rq.serializers import JSONSerializer

F = TypeVar("F", bound=Callable[..., Any])

_apps: dict[str, Any] = {}
_apps_lock = threading.Lock()


def json_queue(name: str, connection: Redis) -> Queue:
    return Queue(name, connection=connection, serializer=JSONSerializer)


def app_for(module_path: str) -> Any:
    """The Flask app of ``module_path`` (built once per worker process)."""
    with _apps_lock:
        app = _apps.get(module_path)
        if app is None:
            app = importlib.import_module(module_path).create_app()
            _apps[module_path] = app
        return app


def runs_in_app(module_path: str) -> Callable[[F], F]:
    """Run the job inside the app context of the service that owns it."""

    def decorator(func: F) -> F:
        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with app_for(module_path).app_context():
                return func(*args, **kwargs)

        return cast(F, wrapper)

    return decorator
