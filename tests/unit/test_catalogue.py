"""The one catalogue: every string of the pages and every problem text has its Chinese."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir

from common.i18n import has_translation, negotiate, translate
from common.problems import localized

ROOT = Path(__file__).resolve().parents[2]
METHOD_MAP = [
    ("common/**.py", "python"),
    ("gateway/web/**.py", "python"),
    ("gateway/web/templates/**.html", "jinja2"),
    ("services/volunteers/api/record_words.py", "python"),
]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def extracted() -> set[str]:
    found: set[str] = set()
    for _, _, message, _, _ in extract_from_dir(
        str(ROOT), METHOD_MAP, keywords=KEYWORDS, comment_tags=()
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return {m for m in found if m}


def test_every_string_has_its_chinese():
    missing = sorted(m for m in extracted() if not has_translation(m, "zh_CN"))
    assert not missing, missing


def test_placeholders_survive_translation():
    for message in extracted():
        for placeholder in re.findall(r"%\(\w+\)[sd]|\{\w*\}", message):
            assert placeholder in translate(message, "zh_CN"), message


def test_accept_language_negotiation():
    assert negotiate("zh-CN,zh;q=0.9,en;q=0.8", "en") == "zh_CN"
    assert negotiate("zh-TW", "en") == "zh_CN"
    assert negotiate("en-US,en;q=0.9", "zh_CN") == "en"
    assert negotiate("fr-FR, de;q=0.5", "zh_CN") == "zh_CN"
    assert negotiate("zh;q=0, en", "zh_CN") == "en"
    assert negotiate("", "en") == "en"


def test_a_problem_with_a_detail_of_its_own_gets_its_kinds_sentence():
    body = {"title": "Insufficient points", "detail": "You need 50 more points.", "status": 409}
    chinese = localized(dict(body), "insufficient-points", "zh_CN")
    assert chinese["title"] == "积分不足"
    assert chinese["detail"] == "你的积分不够。"
    assert localized(dict(body), "insufficient-points", "en") == body


def test_field_messages_keep_their_numbers():
    body = {
        "title": "Validation failed",
        "detail": "x",
        "errors": {
            "lat": ["Must be greater than or equal to -90 and less than or equal to 90."],
            "name": ["Missing data for required field."],
            "odd": ["Something no catalogue knows."],
        },
    }
    errors = localized(body, "validation-error", "zh_CN")["errors"]
    assert errors["lat"] == ["须在 -90 到 90 之间。"]
    assert errors["name"] == ["这一项必须填写。"]
    assert errors["odd"] == ["Something no catalogue knows."]
