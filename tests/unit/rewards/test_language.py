"""The caller's language, parsed once per distinct Accept-Language, is what werkzeug's
``request.accept_languages.best_match`` chose on every request."""

from __future__ import annotations

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from services.rewards.api.context import _language

HEADERS = [None, "", "en", "en-US,en;q=0.9", "zh-CN,zh;q=0.9,en;q=0.8", "fr", "zh-TW", "*"]
HEADERS += ["en;q=0.5, zh;q=0.4", "de, en;q=0", "ZH-cn", "en;q=abc", "zh-Hans-CN"]


@pytest.mark.parametrize("header", HEADERS)
def test_the_language_is_werkzeugs_best_match(header):
    headers = {} if header is None else {"Accept-Language": header}
    request = Request(EnvironBuilder(headers=headers).get_environ())
    chosen = request.accept_languages.best_match(["zh-CN", "zh", "en"]) or "zh-CN"
    assert _language(header) == chosen
