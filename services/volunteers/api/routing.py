"""A typed face for flask-smorest's Blueprint, which ships without type information.

mypy sees an untyped library as ``Any`` and, under ``--strict``, refuses its decorators
(they would make every view untyped). ``Routes`` says what the decorators used here do:
each returns the view it was given, typed as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from flask_smorest import Blueprint

F = TypeVar("F", bound=Callable[..., Any])


class Routes(Protocol):
    name: str

    def get(self, rule: str, **options: Any) -> Callable[[F], F]: ...

    def post(self, rule: str, **options: Any) -> Callable[[F], F]: ...

    def put(self, rule: str, **options: Any) -> Callable[[F], F]: ...

    def delete(self, rule: str, **options: Any) -> Callable[[F], F]: ...

    def arguments(self, schema: Any, **options: Any) -> Callable[[F], F]: ...

    def response(
        self, status_code: int, schema: Any = None, **options: Any
    ) -> Callable[[F], F]: ...

    def errorhandler(self, code_or_exception: Any) -> Callable[[F], F]: ...


def routes(name: str, import_name: str, **options: Any) -> Routes:
    """A flask-smorest Blueprint, seen through :class:`Routes`."""
    blueprint: Routes = Blueprint(name, import_name, **options)
    return blueprint
