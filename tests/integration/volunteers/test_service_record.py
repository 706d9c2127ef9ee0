"""The service record: JSON, printable page, PDF, and a public verification that holds."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import sqlalchemy as sa

from tests.helpers.databases import engine_for
from tests.integration.volunteers.helpers import log


def approved_hours(client, world, minutes_list):
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    for i, minutes in enumerate(minutes_list):
        entry = log(client, world.member, world.grid["id"], start + timedelta(hours=5 * i), minutes)
        assert entry.status_code == 201
        approved = client.post(
            f"/api/v1/hours/{entry.json['id']}/approve", headers=world.coordinator.headers
        )
        assert approved.status_code == 200


def verification_path(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    return parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}


def test_service_record_lists_approved_hours_only(client, world):
    client.put(
        "/api/v1/me/profile", json={"display_name": "Mia Chen"}, headers=world.member.headers
    )
    client.get("/api/v1/me/profile", headers=world.coordinator.headers)
    approved_hours(client, world, [120, 45])
    pending = log(
        client, world.member, world.grid["id"], datetime.now(UTC) - timedelta(hours=2), 30
    )
    assert pending.status_code == 201

    response = client.get("/api/v1/me/service-record", headers=world.member.headers)
    assert response.status_code == 200, response.json
    record = response.json
    assert record["holder_name"] == "Mia Chen"
    assert record["record_number"].startswith("SR-")
    assert record["total_minutes"] == 165 and record["entry_count"] == 2
    assert record["total_hours"] == 2.75
    assert record["issuing_organization"]["name"] == "Grid 7"
    assert [e["minutes"] for e in record["entries"]] == [120, 45]
    entry = record["entries"][0]
    assert entry["organization_name"] == "Grid 7"
    assert entry["approved_by"] == str(world.coordinator.id)
    assert entry["approved_by_name"] == "cora"
    assert record["verification_url"].startswith("http://")
    # the number is stable
    again = client.get("/api/v1/me/service-record", headers=world.member.headers).json
    assert again["record_number"] == record["record_number"]


def test_verification_confirms_totals_and_a_changed_number_fails(client, world):
    approved_hours(client, world, [120])
    record = client.get("/api/v1/me/service-record", headers=world.member.headers).json
    path, query = verification_path(record["verification_url"])
    assert path == f"/api/v1/service-records/{record['record_number']}/verification"

    ok = client.get(f"{path}?{urlencode(query)}")  # public: no token
    assert ok.status_code == 200, ok.json
    assert ok.json == {
        "record_number": record["record_number"],
        "valid": True,
        "total_minutes": 120,
        "total_hours": 2.0,
        "entry_count": 1,
        "issued_at": ok.json["issued_at"],
        "holder_name": "m**",  # the token's name "mia", masked
    }
    assert str(world.member.id) not in ok.get_data(as_text=True)
    assert "Grid 7" not in ok.get_data(as_text=True)

    for field, value in (("minutes", "1200"), ("entries", "2"), ("sig", "A" + query["sig"][1:])):
        if field == "sig" and query["sig"][0] == "A":
            value = "B" + query["sig"][1:]
        tampered = client.get(f"{path}?{urlencode({**query, field: value})}")
        assert tampered.status_code == 422, field
        assert tampered.json["type"].endswith("/record-not-verified")
    later = client.get(f"{path}?{urlencode({**query, 'issued_at': '2030-01-01T00:00:00Z'})}")
    assert later.status_code == 422
    unknown = client.get(
        f"/api/v1/service-records/SR-NOPE-NOPE-NOPE/verification?{urlencode(query)}"
    )
    assert unknown.status_code == 404
    missing = client.get(path)
    assert missing.status_code == 422 and "sig" in missing.json["errors"]

    html = client.get(f"{path}?{urlencode(query)}", headers={"Accept": "text/html"})
    assert html.status_code == 200 and html.mimetype == "text/html"
    assert "真实有效" in html.get_data(as_text=True)  # Chinese first (Accept-Language: none)


def test_printable_page_and_pdf(client, world):
    client.put(
        "/api/v1/me/profile",
        json={"display_name": "Mia <Chen>", "home_community_id": world.community["id"]},
        headers=world.member.headers,
    )
    approved_hours(client, world, [90])
    page = client.get("/api/v1/me/service-record/print", headers=world.member.headers)
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "Mia &lt;Chen&gt;" in text  # escaped
    assert "Elm Community" in text  # the issuing organisation: the home community
    assert "SR-" in text and "<svg" in text and "/verification?" in text
    pdf = client.get("/api/v1/me/service-record/pdf", headers=world.member.headers)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert client.get("/api/v1/me/service-record/pdf").status_code == 401


def test_the_record_is_read_in_chinese_unless_english_is_asked_for(client, world):
    approved_hours(client, world, [60])
    english = {**world.member.headers, "Accept-Language": "en"}
    page = client.get("/api/v1/me/service-record/print", headers=world.member.headers)
    assert page.headers["Content-Language"] == "zh-CN"
    text = page.get_data(as_text=True)
    assert '<html lang="zh-CN">' in text and "志愿服务记录" in text and "扫码核验" in text
    assert "合计 1.00 小时（1 条已审核记录，共 60 分钟）" in text
    page = client.get("/api/v1/me/service-record/print", headers=english)
    assert page.headers["Content-Language"] == "en"
    assert "Total 1.00 hours (60 minutes in 1 approved entries)" in page.get_data(as_text=True)
    record = client.get("/api/v1/me/service-record", headers=world.member.headers).json
    path, query = verification_path(record["verification_url"])
    genuine = client.get(f"{path}?{urlencode(query)}", headers={"Accept": "text/html"})
    assert f"服务记录 {record['record_number']} 真实有效" in genuine.get_data(as_text=True)
    # the PDF core fonts print no Chinese: with no PDF_FONT_FILE the PDF is in English
    pdf = client.get("/api/v1/me/service-record/pdf", headers=world.member.headers)
    assert pdf.headers["Content-Language"] == "en"


def test_empty_record(client, person):
    newcomer = person(username="newbie")
    record = client.get("/api/v1/me/service-record", headers=newcomer.headers).json
    assert record["total_minutes"] == 0 and record["entries"] == []
    assert record["issuing_organization"] is None
    path, query = verification_path(record["verification_url"])
    assert client.get(f"{path}?{urlencode(query)}").status_code == 200
    assert uuid.UUID(record["member_id"]) == newcomer.id


def test_printed_issue_time_is_utc_whatever_the_database_time_zone(client, world, volunteers_app):
    # the page prints "… UTC": it must not print the database session's local time under it
    engine = volunteers_app.extensions["database"].engine

    def shanghai(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'Asia/Shanghai'")
        dbapi_connection.commit()

    engine.dispose()
    sa.event.listen(engine, "connect", shanghai)
    try:
        record = client.get("/api/v1/me/service-record", headers=world.member.headers).json
        page = client.get("/api/v1/me/service-record/print", headers=world.member.headers)
    finally:
        sa.event.remove(engine, "connect", shanghai)
        engine.dispose()
    issued = datetime.fromisoformat(record["issued_at"])
    printed = re.search(r"(\d{4}-\d\d-\d\d \d\d:\d\d) UTC", page.get_data(as_text=True))
    assert printed is not None
    printed_at = datetime.strptime(printed.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
    assert abs(printed_at - issued) < timedelta(minutes=2)  # not 8 hours off


def test_the_signature_binds_the_member_and_the_name_printed(client, world, person):
    client.put("/api/v1/me/profile", json={"display_name": "张晓明"}, headers=world.member.headers)
    approved_hours(client, world, [60])
    record = client.get("/api/v1/me/service-record", headers=world.member.headers).json
    path, query = verification_path(record["verification_url"])
    assert query["name"] == "张晓明"
    ok = client.get(f"{path}?{urlencode(query)}")
    assert ok.status_code == 200, ok.json
    assert ok.json["holder_name"] == "张*明"  # masked: the public sees whose, not who
    assert "张晓明" not in ok.get_data(as_text=True)
    html = client.get(f"{path}?{urlencode(query)}", headers={"Accept": "text/html"})
    assert "张*明" in html.get_data(as_text=True)
    assert "张晓明" not in html.get_data(as_text=True)
    # another name on the same totals fails
    renamed = client.get(f"{path}?{urlencode({**query, 'name': '李晓明'})}")
    assert renamed.status_code == 422
    assert renamed.json["type"].endswith("/record-not-verified")
    # so does the same record number given to another member
    other = person(username="other")
    with engine_for("volunteers").begin() as connection:
        connection.execute(
            sa.text("UPDATE members SET record_number = NULL WHERE id = :id"),
            {"id": world.member.id},
        )
        connection.execute(
            sa.text("INSERT INTO members (id, display_name, record_number) VALUES (:id, :n, :r)"),
            {"id": other.id, "n": "张晓明", "r": record["record_number"]},
        )
    moved = client.get(f"{path}?{urlencode(query)}")
    assert moved.status_code == 422
    assert moved.json["type"].endswith("/record-not-verified")
