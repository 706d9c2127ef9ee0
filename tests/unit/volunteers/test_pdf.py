"""The PDF service record renders any name; core fonts degrade instead of failing."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from devtools.fonts import find_cjk_font
from services.volunteers.adapters.pdf import render_record_pdf
from services.volunteers.api.record_words import words

ENGLISH = words("en")


def record(name: str) -> dict:
    return {
        "holder_name": name,
        "record_number": "SR-AAAA-BBBB-CCCC",
        "issuing_organization": {"id": uuid.uuid4(), "name": "东湖社区"},
        "issued_at": datetime(2026, 11, 23, 12, 0, tzinfo=UTC),
        "total_minutes": 150,
        "total_hours": 2.5,
        "entry_count": 1,
        "entries": [
            {
                "date": date(2026, 11, 20),
                "organization_name": "Grid 7",
                "activity_title": None,
                "description": "elder visit " * 20,
                "minutes": 150,
                "approved_by_name": "",
                "approved_by": uuid.uuid4(),
            }
        ],
        "verification_url": "http://127.0.0.1:8000/api/v1/service-records/SR-AAAA-BBBB-CCCC/"
        "verification?minutes=150&entries=1&issued_at=2026-11-23T12:00:00.000000Z&sig=x",
    }


def test_a_cjk_name_with_core_fonts_still_renders():
    data = render_record_pdf(record("王小明"), ENGLISH)
    assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")


def test_a_latin_name():
    assert render_record_pdf(record("Zoë O'Brien"), ENGLISH).startswith(b"%PDF")


def test_chinese_labels_with_a_cjk_font():
    font = find_cjk_font()
    if font is None:
        pytest.fail("no CJK font on this machine: apt-get install fonts-noto-cjk")
    chinese = words("zh_CN")
    assert chinese["title"] == "志愿服务记录"
    data = render_record_pdf(record("王小明"), chinese, font)
    assert data.startswith(b"%PDF") and b"/FontFile" in data  # the font is embedded
