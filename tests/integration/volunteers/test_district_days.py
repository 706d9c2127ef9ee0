"""Days in the district's time: check-in days and the service record's dates follow
DISTRICT_TIMEZONE (Asia/Shanghai, UTC+8), not UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.volunteers.domain.signing import issue_station_code
from services.volunteers.usecases import checkins
from tests.integration.volunteers.helpers import check_in, contracts_in_outbox, log

LATE_EVENING_UTC = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # 07:30 on 2 March in Shanghai


def test_a_check_in_at_23_30_utc_counts_for_the_next_day_in_shanghai(
    client, world, volunteers_app, monkeypatch
):
    monkeypatch.setattr(checkins, "now_utc", lambda: LATE_EVENING_UTC)
    cfg = volunteers_app.extensions["volunteers_config"]
    assert cfg.district_timezone.key == "Asia/Shanghai"
    code = issue_station_code(
        cfg.code_key, world.station["id"], LATE_EVENING_UTC.timestamp(), cfg.code_ttl
    )
    response = check_in(client, world.member, world.station["id"], code.code)
    assert response.status_code == 201, response.json
    assert response.json["day"] == "2026-03-02"
    [event] = contracts_in_outbox("checkin.recorded")
    assert event.day.isoformat() == "2026-03-02"


def test_the_service_record_dates_work_in_the_district(client, world):
    today_utc = datetime.now(UTC).date()
    start = datetime.combine(today_utc - timedelta(days=1), datetime.min.time(), UTC).replace(
        hour=23, minute=30
    )
    entry = log(client, world.member, world.grid["id"], start, minutes=30)
    assert entry.status_code == 201, entry.json
    approved = client.post(
        f"/api/v1/hours/{entry.json['id']}/approve", headers=world.coordinator.headers
    )
    assert approved.status_code == 200
    record = client.get("/api/v1/me/service-record", headers=world.member.headers).json
    assert [e["date"] for e in record["entries"]] == [today_utc.isoformat()]
