"""The caller of the current request, as use cases see it."""

from __future__ import annotations

from flask import request

from common.auth import current_principal
from services.rewards.usecases.actors import Actor


def actor() -> Actor:
    """The caller (401 without a valid token), reading zh-CN unless they ask for English."""
    principal = current_principal()
    language = request.accept_languages.best_match(["zh-CN", "zh", "en"]) or "zh-CN"
    return Actor(principal.id, frozenset(principal.roles), language)
