"""The caller of the current request, as use cases see it."""

from __future__ import annotations

import functools

from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from common.auth import current_principal
from common.hot_reads import request_environ
from services.rewards.usecases.actors import Actor


def actor() -> Actor:
    """The caller (401 without a valid token), reading zh-CN unless they ask for English."""
    principal = current_principal()
    language = _language(request_environ().get("HTTP_ACCEPT_LANGUAGE"))
    return Actor(principal.id, frozenset(principal.roles), language)


# what ``request.accept_languages.best_match`` answers, parsed once per distinct header
# (browsers send a handful) rather than on every request
@functools.lru_cache(maxsize=256)
def _language(header: str | None) -> str:
    accepted = parse_accept_header(header, LanguageAccept)
    return accepted.best_match(["zh-CN", "zh", "en"]) or "zh-CN"
