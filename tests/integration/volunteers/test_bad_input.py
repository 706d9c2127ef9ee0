"""Input PostgreSQL cannot take is a clear 4xx problem, never a 500."""

from __future__ import annotations

import base64
import json
import uuid

from tests.integration.volunteers.helpers import report


def cursor_of(*values: str) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


def test_nul_characters_are_a_validation_error(client, world):
    # PostgreSQL text cannot hold U+0000: psycopg refuses it, which was a 500
    created = report(client, world.rider, description="lamp\x00out")
    assert created.status_code == 422, created.get_data(as_text=True)
    assert created.json["type"].endswith("/validation-error")
    assert "description" in created.json["errors"]

    nested = client.put(
        "/api/v1/me/profile",
        json={"rider": {"platform": "x\x00", "rider_id": "7"}},
        headers=world.rider.headers,
    )
    assert nested.status_code == 422 and "rider.platform" in nested.json["errors"]

    query = client.get("/api/v1/reports?category=a%00b", headers=world.coordinator.headers)
    assert query.status_code == 422 and "category" in query.json["errors"]
    search = client.get("/api/v1/members?q=a%00", headers=world.coordinator.headers)
    assert search.status_code == 422 and "q" in search.json["errors"]

    path = client.get(
        "/api/v1/service-records/SR-%00/verification"
        "?minutes=1&entries=1&issued_at=2026-01-01T00:00:00Z&sig=x"
    )
    assert path.status_code in (404, 422), path.get_data(as_text=True)

    cursor = cursor_of("a\x00", str(uuid.uuid4()))
    for url in ("/api/v1/organizations", "/api/v1/members"):
        paged = client.get(f"{url}?cursor={cursor}", headers=world.coordinator.headers)
        assert paged.status_code == 422 and "cursor" in paged.json["errors"], url


def test_nul_characters_in_open311_are_a_georeport_400(client, world):
    listed = client.get("/open311/v2/requests.json?service_code=a%00")
    assert listed.status_code == 400
    assert listed.json[0]["code"] == 400 and "service_code" in listed.json[0]["description"]
    posted = client.post(
        "/open311/v2/requests.json",
        data={"api_key": "k", "service_code": "other\x00", "lat": "31.2", "long": "121.4"},
    )
    assert posted.status_code == 400 and posted.json[0]["code"] == 400


def test_open311_malformed_ids_are_georeport_404s(client, world):
    # GeoReport clients parse [{code, description}]; a malformed id is an unknown request
    for path in ("/open311/v2/requests/not-a-uuid.json", "/open311/v2/media/nope.jpg"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.mimetype == "application/json", path
        assert response.json[0]["code"] == 404, path


FAR_FUTURE = "9999-12-31T20:00:00-14:00"  # year 10000 in UTC: PostgreSQL stores it, Python cannot
FAR_PAST = "0001-01-01T00:00:00+14:00"  # year 0 in UTC


def test_times_python_cannot_read_back_are_refused_and_lists_survive(client, world):
    activity = client.post(
        "/api/v1/activities",
        json={
            "title": "forever",
            "organization_id": world.grid["id"],
            "starts_at": FAR_FUTURE,
            "ends_at": "9999-12-31T23:00:00-14:00",
        },
        headers=world.coordinator.headers,
    )
    assert activity.status_code == 422 and "starts_at" in activity.json["errors"]
    assert client.get("/api/v1/activities", headers=world.member.headers).status_code == 200
    task = client.post(
        "/api/v1/tasks",
        json={
            "title": "someday",
            "kind": "practical_matter",
            "organization_id": world.grid["id"],
            "due_at": FAR_FUTURE,
        },
        headers=world.coordinator.headers,
    )
    assert task.status_code == 422 and "due_at" in task.json["errors"]
    assert client.get("/api/v1/tasks", headers=world.member.headers).status_code == 200
    hours = client.post(
        "/api/v1/hours",
        json={
            "organization_id": world.grid["id"],
            "member_id": str(world.member.id),
            "started_at": FAR_PAST,
            "ended_at": "0001-01-01T01:00:00+14:00",
        },
        headers=world.coordinator.headers,
    )
    assert hours.status_code == 422 and "started_at" in hours.json["errors"]


def test_extreme_times_in_queries_are_4xx(client, world):
    for issued_at in (FAR_FUTURE, FAR_PAST):
        response = client.get(
            "/api/v1/service-records/SR-AAAA-BBBB-CCCC/verification",
            query_string={"minutes": 1, "entries": 1, "sig": "x", "issued_at": issued_at},
        )
        assert response.status_code == 422 and "issued_at" in response.json["errors"]
    listed = client.get("/open311/v2/requests.json", query_string={"end_date": FAR_PAST})
    assert listed.status_code == 400 and listed.json[0]["code"] == 400


def test_deeply_nested_json_is_a_400_not_a_recursion_error(client, world):
    for body in ("[" * 50_000, '{"a":' * 50_000):
        response = client.post(
            "/api/v1/reports",
            data=body,
            content_type="application/json",
            headers=world.rider.headers,
        )
        assert response.status_code == 400, response.get_data(as_text=True)[:200]
    # deep but within what the parser takes: an ordinary 422, whatever the depth
    deep = "[" * 900 + "]" * 900
    response = client.post(
        "/api/v1/reports", data=deep, content_type="application/json", headers=world.rider.headers
    )
    assert response.status_code in (400, 422)
    geo = client.post(
        "/open311/v2/requests.json", data="[" * 50_000, content_type="application/json"
    )
    assert geo.status_code == 400 and geo.json[0]["code"] == 400
