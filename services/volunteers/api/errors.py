"""The volunteers' two kinds of domain error that ``common.errors`` does not map."""

from __future__ import annotations

from flask import Flask, Response

from common.errors import DomainError
from common.problems import Problem, domain_error_to_problem, problem_response
from services.volunteers.domain.errors import TooLarge, UnsupportedMedia

STATUS = ((TooLarge, 413), (UnsupportedMedia, 415))


def problem_of(error: DomainError) -> Problem:
    """The problem ``error`` answers with: the common mapping, with the status of our own."""
    problem = domain_error_to_problem(error)
    for cls, status in STATUS:
        if isinstance(error, cls):
            problem.status = status
    return problem


def register_error_handlers(app: Flask) -> None:
    def answer(error: DomainError) -> Response:
        return problem_response(problem_of(error))

    for cls, _ in STATUS:
        app.register_error_handler(cls, answer)
