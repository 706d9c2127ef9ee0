"""The public points API: balances, history, adjustments, rules, and who may see what."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from tests.helpers.points_db import points_engine
from tests.helpers.points_events import envelope, raw_envelope

PROBLEM_BASE = "https://civic-points.example/problems/"


def adjust(client, header, member, amount, key, reason="correction"):
    return client.post(
        "/api/v1/points/adjustments",
        json={"member_id": str(member), "amount": amount, "reason": reason},
        headers={**header, "Idempotency-Key": key},
    )


def test_a_new_member_has_an_empty_balance(client, auth_header):
    me = uuid.uuid4()
    response = client.get("/api/v1/points/balance", headers=auth_header(user_id=me))
    assert response.status_code == 200
    assert response.json == {
        "member_id": str(me),
        "available": 0,
        "held": 0,
        "lifetime_earned": 0,
        "expiring": [],
        "owed": 0,
    }


def test_a_member_sees_only_their_own_points(client, auth_header, admin):
    other = uuid.uuid4()
    for path in ("balance", "transactions"):
        forbidden = client.get(f"/api/v1/points/{path}?member_id={other}", headers=auth_header())
        assert forbidden.status_code == 403
        allowed = client.get(f"/api/v1/points/{path}?member_id={other}", headers=admin)
        assert allowed.status_code == 200


def test_adjustments_answer_with_the_balance_and_replay(client, admin, auth_header, balance_of):
    member = uuid.uuid4()
    first = adjust(client, admin, member, 100, "key-1")
    assert first.status_code == 201
    assert first.json["available"] == 100 and first.json["member_id"] == str(member)
    assert first.json["expiring"][0]["points"] == 100
    again = adjust(client, admin, member, 100, "key-1")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json
    other_body = adjust(client, admin, member, 50, "key-1")
    assert other_body.status_code == 422
    assert other_body.json["type"] == PROBLEM_BASE + "idempotency-key-reused"
    no_key = client.post(
        "/api/v1/points/adjustments",
        json={"member_id": str(member), "amount": 1, "reason": "x"},
        headers=admin,
    )
    assert no_key.status_code == 400
    assert adjust(client, auth_header(), member, 5, "key-2").status_code == 403
    assert balance_of(member)["available"] == 100


def test_a_deduction_beyond_the_available_points_is_a_409(client, admin, balance_of):
    member = uuid.uuid4()
    adjust(client, admin, member, 40, "a")
    response = adjust(client, admin, member, -41, "b")
    assert response.status_code == 409
    assert response.json["type"].endswith("insufficient-points")
    assert response.content_type == "application/problem+json"
    ok = adjust(client, admin, member, -40, "c")
    assert ok.status_code == 201 and ok.json["available"] == 0
    assert balance_of(member)["available"] == 0


def test_an_adjustment_of_nothing_is_invalid(client, admin):
    response = adjust(client, admin, uuid.uuid4(), 0, "z")
    assert response.status_code == 422
    assert "amount" in response.json["errors"]


def test_transactions_page_newest_first_and_stay_stable_under_new_writes(
    client, admin, auth_header
):
    member = uuid.uuid4()
    header = auth_header(user_id=member)
    for n in range(1, 6):
        adjust(client, admin, member, n, f"k{n}")
    first = client.get("/api/v1/points/transactions?limit=2", headers=header).json
    assert [t["amount"] for t in first["items"]] == [5, 4]
    assert first["items"][0]["kind"] == "adjustment"
    adjust(client, admin, member, 100, "k-new")  # lands in front of the pages already read
    cursor = first["next_cursor"]
    seen = []
    while cursor:
        page = client.get(f"/api/v1/points/transactions?limit=2&cursor={cursor}", headers=header)
        seen += [t["amount"] for t in page.json["items"]]
        cursor = page.json["next_cursor"]
    assert seen == [3, 2, 1]
    bad = client.get("/api/v1/points/transactions?cursor=nonsense", headers=header)
    assert bad.status_code == 422


def test_rules_are_listed_and_only_admins_change_them(client, admin, auth_header):
    member = auth_header()
    assert client.get("/api/v1/points/rules", headers=member).json == {"items": []}
    put = client.put(
        "/api/v1/points/rules/hours.approved",
        json={"points": 10, "per": "hour", "daily_cap": 80},
        headers=admin,
    )
    assert put.status_code == 200
    assert put.json["points"] == 10 and put.json["per"] == "hour"
    client.put(
        "/api/v1/points/rules/hours.approved",
        json={"points": 12, "per": "hour"},
        headers=admin,
    )
    items = client.get("/api/v1/points/rules", headers=member).json["items"]
    assert [(r["event_type"], r["points"], r["daily_cap"]) for r in items] == [
        ("hours.approved", 12, None)
    ]
    denied = client.put(
        "/api/v1/points/rules/hours.approved", json={"points": 1, "per": "hour"}, headers=member
    )
    assert denied.status_code == 403
    invalid = client.put(
        "/api/v1/points/rules/hours.approved", json={"points": -1, "per": "week"}, headers=admin
    )
    assert invalid.status_code == 422 and set(invalid.json["errors"]) == {"points", "per"}
    reversal = client.put(
        "/api/v1/points/rules/award.reversed", json={"points": 1, "per": "event"}, headers=admin
    )
    assert reversal.status_code == 409


def test_the_migration_writes_default_rules():
    # the test session truncates tables, so read what the migration wrote from its source
    from importlib import import_module

    migration = import_module("services.points.migrations.versions.0002_ledger")
    assert {r[0] for r in migration.DEFAULT_RULES} == {
        "hours.approved",
        "report.verified",
        "checkin.recorded",
        "task.completed",
    }


def test_lots_expire_first_in_first_out_and_the_balance_shows_them(
    client, admin, run_batch, set_rule, points_app, balance_of, reconciled
):
    from services.points import jobs

    set_rule("task.completed", 10)
    member = uuid.uuid4()
    adjust(client, admin, member, 30, "grant")
    # make the adjustment's lot old: lots are state, not journal, so a test may move a date
    soon = datetime.now(UTC) + timedelta(days=3)
    with points_engine().begin() as c:
        c.execute(
            sa.text("UPDATE lots SET expires_at = :soon WHERE member_id = :m"),
            {"soon": soon, "m": member},
        )
    run_batch([envelope("task.completed", member)])
    balance = balance_of(member)
    assert [e["points"] for e in balance["expiring"]] == [30, 10]
    # spending takes the lot that expires first
    adjust(client, admin, member, -20, "spend")
    assert [e["points"] for e in balance_of(member)["expiring"]] == [10, 10]
    with points_engine().begin() as c:
        c.execute(
            sa.text("UPDATE lots SET expires_at = now() - interval '1 day' WHERE expires_at = :s"),
            {"s": soon},
        )
    with points_app.app_context():
        assert jobs.expire_lots.__wrapped__() == 1
        assert jobs.expire_lots.__wrapped__() == 0
    balance = balance_of(member)
    assert balance["available"] == 10 and balance["lifetime_earned"] == 10
    kinds = [
        t["kind"]
        for t in client.get(f"/api/v1/points/transactions?member_id={member}", headers=admin).json[
            "items"
        ]
    ]
    assert kinds[0] == "expiry"
    assert reconciled()["ok"]


def test_the_openapi_document_describes_the_points_api(client):
    spec = client.get("/api/v1/docs/points/openapi.json").json
    paths = spec["paths"]
    for path in (
        "/api/v1/points/balance",
        "/api/v1/points/transactions",
        "/api/v1/points/adjustments",
        "/api/v1/points/rules",
        "/api/v1/points/rules/{event_type}",
        "/api/v1/points/leaderboard",
        "/api/v1/points/reconcile",
        "/internal/v1/points/holds",
    ):
        assert path in paths, path
    assert paths["/api/v1/points/adjustments"]["post"]["summary"].startswith("Add or take")


def test_the_transfer_keeps_its_key_and_the_hash_of_its_request(client, admin):
    import hashlib
    import json

    member = uuid.uuid4()
    body = {"member_id": str(member), "amount": 7, "reason": "kept"}
    raw = json.dumps(body).encode()
    response = client.post(
        "/api/v1/points/adjustments",
        data=raw,
        content_type="application/json",
        headers={**admin, "Idempotency-Key": "kept-key"},
    )
    assert response.status_code == 201
    with points_engine().connect() as c:
        key, digest = c.execute(
            sa.text("SELECT idempotency_key, request_hash FROM transfers WHERE member_id = :m"),
            {"m": member},
        ).one()
    assert key.endswith(":kept-key")
    assert bytes(digest) == hashlib.sha256(raw).digest()


def test_the_longest_idempotency_key_the_api_accepts_makes_an_adjustment(client, admin):
    # the common decorator takes keys of up to 255 characters; the journal's key must fit
    member = uuid.uuid4()
    key = "k" * 255
    first = adjust(client, admin, member, 10, key)
    assert first.status_code == 201, first.json
    assert first.json["available"] == 10
    again = adjust(client, admin, member, 10, key)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    other = adjust(client, admin, member, 10, "k" * 254 + "j")
    assert other.status_code == 201 and other.json["available"] == 20


def test_a_key_reused_with_another_body_after_the_purge_is_still_a_422(
    client, admin, balance_of, points_app
):
    from services.points import jobs

    member = uuid.uuid4()
    assert adjust(client, admin, member, 100, "old-key").status_code == 201
    with points_engine().begin() as c:  # the key is past its 30 days
        c.execute(sa.text("UPDATE idempotency_keys SET created_at = now() - interval '31 days'"))
    with points_app.app_context():
        assert jobs.purge_idempotency_keys.__wrapped__() == 1
    # the journal still knows the key and the hash of its request: not a silent no-op
    other = adjust(client, admin, member, -60, "old-key")
    assert other.status_code == 422
    assert other.json["type"] == PROBLEM_BASE + "idempotency-key-reused"
    assert balance_of(member)["available"] == 100
    same = adjust(client, admin, member, 100, "old-key")
    assert same.status_code == 201 and same.json["available"] == 100


def test_points_are_whole_numbers_a_fraction_is_refused_not_truncated(
    client, admin, service_header, balance_of
):
    member = uuid.uuid4()
    response = adjust(client, admin, member, 1.7, "fraction")
    assert response.status_code == 422 and "amount" in response.json["errors"]
    assert balance_of(member)["available"] == 0
    assert adjust(client, admin, member, 10, "whole").status_code == 201
    hold = client.post(
        "/internal/v1/points/holds",
        json={"member_id": str(member), "amount": 2.5, "reference": "r", "ttl_seconds": 60.9},
        headers={**service_header, "Idempotency-Key": "fraction-hold"},
    )
    assert hold.status_code == 422
    assert set(hold.json["errors"]) == {"amount", "ttl_seconds"}
    rule = client.put(
        "/api/v1/points/rules/task.completed",
        json={"points": 1.5, "per": "event", "daily_cap": 2.5},
        headers=admin,
    )
    assert rule.status_code == 422 and set(rule.json["errors"]) == {"points", "daily_cap"}
    assert balance_of(member)["held"] == 0


def test_a_leaderboard_period_outside_the_calendar_is_a_422(client, auth_header):
    header = auth_header()
    for period in ("0000-01", "9999-12"):
        response = client.get(f"/api/v1/points/leaderboard?period={period}", headers=header)
        assert response.status_code == 422, (period, response.json)
        assert "period" in response.json["errors"]
    ok = client.get("/api/v1/points/leaderboard?period=0001-01", headers=header)
    assert ok.status_code == 200 and ok.json["items"] == []


def _cursor(*values: str) -> str:
    import base64
    import json

    raw = json.dumps(list(values)).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_a_cursor_not_given_out_by_the_api_is_a_422_not_a_500(client, admin, run_batch):
    adjust(client, admin, uuid.uuid4(), 5, "one")
    run_batch([raw_envelope("nobody.knows", uuid.uuid4()) for _ in range(3)])  # parked
    seen, cursor = [], ""
    while True:
        page = client.get(f"/api/v1/points/parked-events?limit=1&cursor={cursor}", headers=admin)
        assert page.status_code == 200, page.json
        seen += [e["event_id"] for e in page.json["items"]]
        cursor = page.json["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 3
    for query in (
        f"transactions?cursor={_cursor('9' * 30)}",
        f"transactions?cursor={_cursor('-' + '9' * 30)}",
        f"parked-events?cursor={_cursor('abc', str(uuid.uuid4()))}",
    ):
        response = client.get(f"/api/v1/points/{query}", headers=admin)
        assert response.status_code == 422, (query, response.json)
        assert "cursor" in response.json["errors"]


def test_text_with_a_nul_character_is_a_422_not_a_500(client, admin, service_header, balance_of):
    member = uuid.uuid4()
    response = adjust(client, admin, member, 10, "nul", reason="bad\x00reason")
    assert response.status_code == 422 and "reason" in response.json["errors"]
    assert adjust(client, admin, member, 10, "fine").status_code == 201
    for field in ("reference", "description"):
        body = {"member_id": str(member), "amount": 1, "reference": "r", field: "x\x00y"}
        hold = client.post(
            "/internal/v1/points/holds",
            json=body,
            headers={**service_header, "Idempotency-Key": f"nul-{field}"},
        )
        assert hold.status_code == 422 and field in hold.json["errors"], hold.json
    assert balance_of(member)["available"] == 10


def test_text_with_an_unpaired_surrogate_is_a_422_not_a_500(
    client, admin, service_header, balance_of
):
    import json

    member = uuid.uuid4()
    assert adjust(client, admin, member, 10, "grant").status_code == 201
    # valid JSON ("\\ud800"), but no UTF-8 encodes it: neither the hash chain nor PostgreSQL
    # can keep it
    raw = json.dumps({"member_id": str(member), "amount": 5, "reason": "x\ud800y"})
    response = client.post(
        "/api/v1/points/adjustments",
        data=raw,
        content_type="application/json",
        headers={**admin, "Idempotency-Key": "surrogate"},
    )
    assert response.status_code == 422 and "reason" in response.json["errors"]
    for field in ("reference", "description"):
        raw = json.dumps({"member_id": str(member), "amount": 1, "reference": "r", field: "\udfff"})
        hold = client.post(
            "/internal/v1/points/holds",
            data=raw,
            content_type="application/json",
            headers={**service_header, "Idempotency-Key": f"surrogate-{field}"},
        )
        assert hold.status_code == 422 and field in hold.json["errors"], hold.json
    assert (balance_of(member)["available"], balance_of(member)["held"]) == (10, 0)
