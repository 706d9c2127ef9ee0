"""Daily caps and leaderboard months count in the district's time zone (issue 11).

The test settings keep the default district, Asia/Shanghai (UTC+8, no daylight saving).
"""

from __future__ import annotations

import importlib
import uuid
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from services.points.domain.rules import DEFAULT_RULES
from tests.helpers.points_db import points_engine
from tests.helpers.points_events import envelope


def _tomorrow_utc(hour: int) -> datetime:
    """A moment tomorrow (UTC) at ``hour``: after any rule a test sets now."""
    day = datetime.now(UTC).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def test_every_default_rule_has_a_daily_cap():
    assert all(rule.daily_cap is not None for rule in DEFAULT_RULES)


def test_the_migration_caps_an_uncapped_task_completed(run_batch, client, auth_header):
    # the rule as the first migration wrote it (tests start from empty tables)
    with points_engine().begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO earning_rules (event_type, points, per, daily_cap, effective_from) "
                "VALUES ('task.completed', 15, 'event', NULL, '2000-01-01T00:00:00Z')"
            )
        )
        migration = importlib.import_module(
            "services.points.migrations.versions.0004_task_completed_cap"
        )
        connection.execute(sa.text(migration.UPGRADE_SQL))
        connection.execute(sa.text(migration.UPGRADE_SQL))  # a second run adds nothing
    rules = client.get("/api/v1/points/rules", headers=auth_header()).json
    task = next(r for r in rules["items"] if r["event_type"] == "task.completed")
    assert task["daily_cap"] is not None
    member = uuid.uuid4()
    at = _tomorrow_utc(3)
    batch = [
        envelope("task.completed", member, occurred_at=at + timedelta(seconds=i)) for i in range(20)
    ]
    assert task["daily_cap"] == 45
    assert run_batch(batch)["points"] == task["daily_cap"]


def test_a_rule_set_without_a_cap_gets_the_default_cap(set_rule, run_batch, points_app):
    set_rule("report.verified", 60, daily_cap=None)
    default_cap = points_app.extensions["points_config"].default_daily_cap
    member = uuid.uuid4()
    at = _tomorrow_utc(3)
    batch = [
        envelope("report.verified", member, occurred_at=at + timedelta(seconds=i))
        for i in range(default_cap // 60 + 3)
    ]
    assert run_batch(batch)["points"] == default_cap


def test_the_cap_counts_the_district_day_not_the_utc_day(set_rule, run_batch, balance_of):
    set_rule("checkin.recorded", 5, daily_cap=5)
    member = uuid.uuid4()
    # 15:00 UTC is 23:00 in Shanghai, 17:00 UTC is 01:00 the next Shanghai day:
    # one UTC day, two district days, so both are paid in full
    evening = _tomorrow_utc(15)
    after_midnight = _tomorrow_utc(17)
    assert run_batch([envelope("checkin.recorded", member, occurred_at=evening)])["points"] == 5
    assert (
        run_batch([envelope("checkin.recorded", member, occurred_at=after_midnight)])["points"] == 5
    )
    # 17:00 UTC and 10:00 UTC the next UTC day are the same Shanghai day: capped
    same_district_day = after_midnight + timedelta(hours=17)
    assert (
        run_batch([envelope("checkin.recorded", member, occurred_at=same_district_day)])["points"]
        == 0
    )
    assert balance_of(member)["available"] == 10


def test_hours_count_against_the_day_the_work_was_done(set_rule, run_batch, balance_of):
    set_rule("hours.approved", 10, "hour", daily_cap=80)
    member = uuid.uuid4()
    worked = date(2026, 3, 2)

    def hours(minutes: int, approved_at: datetime, work_date: date) -> dict:
        data = {"minutes": minutes, "work_date": work_date.isoformat()}
        return envelope("hours.approved", member, data, occurred_at=approved_at)

    # a long day's work approved over two days still counts against its own day's cap
    assert run_batch([hours(360, _tomorrow_utc(3), worked)])["points"] == 60
    assert run_batch([hours(360, _tomorrow_utc(3) + timedelta(days=1), worked)])["points"] == 20
    # work of another day approved on the same day has a cap of its own
    other_day = worked + timedelta(days=1)
    assert run_batch([hours(360, _tomorrow_utc(3) + timedelta(days=1), other_day)])["points"] == 60
    assert balance_of(member)["available"] == 140


def test_leaderboard_months_are_the_districts(
    set_rule, run_batch, client, auth_header, redis_client
):
    set_rule("task.completed", 10, daily_cap=100)
    member, rival = uuid.uuid4(), uuid.uuid4()
    # 20:00 UTC on the last day of a month is 04:00 on the 1st of the next in Shanghai
    first = (_tomorrow_utc(0).replace(day=1) + timedelta(days=32)).replace(day=1)
    last_evening = first - timedelta(hours=4)
    district_month, utc_month = first.strftime("%Y-%m"), last_evening.strftime("%Y-%m")
    header = auth_header()

    def board(period: str) -> list[tuple[str, int]]:
        response = client.get(f"/api/v1/points/leaderboard?period={period}", headers=header)
        assert response.status_code == 200, response.json
        return [(i["member_id"], i["points"]) for i in response.json["items"]]

    # the boards exist (rebuilt from the journal), so the consumer keeps them up to date
    run_batch([envelope("task.completed", rival, occurred_at=first + timedelta(days=2))])
    assert board(district_month) == [(str(rival), 10)]
    run_batch([envelope("task.completed", member, occurred_at=last_evening)] * 1)
    run_batch([envelope("task.completed", member, occurred_at=last_evening)])
    assert board(district_month) == [(str(member), 20), (str(rival), 10)]
    assert board(utc_month) == []
    redis_client.flushdb()  # and a rebuild says the same
    assert board(district_month) == [(str(member), 20), (str(rival), 10)]
    assert board(utc_month) == []
