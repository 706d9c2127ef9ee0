"""The points service's hot reads (balance, first page of transfers) answered before Flask:
the same bytes as Flask's answer, and Flask still answers everything else."""

from __future__ import annotations

import logging
import uuid

import pytest

from tests.helpers.hot_reads import answered_both_ways, assert_same_answer, flask_requests


@pytest.fixture
def member(make_token):
    member_id = uuid.uuid4()
    return member_id, {"Authorization": f"Bearer {make_token(user_id=member_id)}"}


@pytest.mark.parametrize("path", ["/api/v1/points/balance", "/api/v1/points/transactions"])
def test_a_new_members_reads_are_flasks_bytes(points_app, member, path):
    _, headers = member
    fast, slow = answered_both_ways(points_app, path, headers)
    assert fast.status_code == 200
    assert_same_answer(fast, slow)


def test_a_funded_members_balance_and_full_page_are_flasks_bytes(points_app, member, grant):
    member_id, headers = member
    for n in range(23):  # more than a page (20): the answer carries a cursor
        grant(member_id, 10 + n)
    for path in ("/api/v1/points/balance", "/api/v1/points/transactions"):
        fast, slow = answered_both_ways(points_app, path, {**headers, "Accept-Language": "en"})
        assert_same_answer(fast, slow)
    assert fast.json["next_cursor"] is not None
    assert len(fast.json["items"]) == 20


def test_an_admins_own_balance_is_flasks_bytes(points_app, admin):
    fast, slow = answered_both_ways(points_app, "/api/v1/points/balance", admin)
    assert_same_answer(fast, slow)


@pytest.mark.parametrize(
    ("method", "path", "query", "headers", "status"),
    [
        ("GET", "/api/v1/points/balance", "member_id={me}", "member", 200),  # a query
        ("GET", "/api/v1/points/transactions", "limit=2", "member", 200),
        ("GET", "/api/v1/points/balance", "", {}, 401),  # no token
        ("GET", "/api/v1/points/balance", "", {"Authorization": "Bearer nonsense"}, 401),
        ("GET", "/api/v1/points/balance", "", {"Authorization": "Basic eDp5"}, 401),
        ("HEAD", "/api/v1/points/balance", "", "member", 200),
        ("POST", "/api/v1/points/balance", "", "member", 405),
        ("GET", "/api/v1/points/balance/", "", "member", 404),
    ],
)
def test_anything_else_is_flasks_to_answer(
    points_app, member, method, path, query, headers, status
):
    member_id, member_headers = member
    headers = member_headers if headers == "member" else headers
    client = points_app.test_client()
    with flask_requests(points_app) as built:
        answer = client.open(
            path, method=method, query_string=query.format(me=member_id), headers=headers
        )
    assert answer.status_code == status
    assert built == [path]
    if status >= 400:
        assert answer.content_type == "application/problem+json"


def test_a_get_with_a_body_is_flasks_to_answer(points_app, member):
    _, headers = member
    with flask_requests(points_app) as built:
        answer = points_app.test_client().get("/api/v1/points/balance", data=b"{}", headers=headers)
    assert answer.status_code == 200
    assert built == ["/api/v1/points/balance"]


def test_the_fast_path_writes_one_access_line_with_the_request_id(points_app, member, caplog):
    _, headers = member
    client = points_app.test_client()
    with caplog.at_level(logging.INFO, logger="civic.access"), flask_requests(points_app) as built:
        answer = client.get("/api/v1/points/balance", headers={**headers, "X-Request-ID": "r-1"})
    assert built == []
    assert answer.headers["X-Request-ID"] == "r-1"
    lines = [r for r in caplog.records if r.name == "civic.access"]
    assert [(r.method, r.path, r.status, r.request_id) for r in lines] == [
        ("GET", "/api/v1/points/balance", 200, "r-1")
    ]


def test_a_request_without_an_id_gets_a_new_one(points_app, member):
    _, headers = member
    first = points_app.test_client().get("/api/v1/points/balance", headers=headers)
    second = points_app.test_client().get("/api/v1/points/balance", headers=headers)
    ids = {first.headers["X-Request-ID"], second.headers["X-Request-ID"]}
    assert len(ids) == 2 and all(len(i) == 32 for i in ids)
