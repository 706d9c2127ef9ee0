"""Input that would otherwise reach PostgreSQL or Python's limits is refused alike by every app."""

from __future__ import annotations

import base64
import json

import pytest

POSTS = {
    "gateway_app": ("/api/v1/auth/register", {"username": "ok.name", "display_name": "x\x00y"}),
    "volunteers_app": ("/api/v1/organizations", {"name": "Elm\x00", "kind": "street"}),
    "points_app": ("/api/v1/points/adjustments", {"amount": 5, "reason": "x\x00"}),
}


@pytest.mark.parametrize("app_fixture", list(POSTS))
def test_nul_in_a_json_body_is_a_422_naming_the_field(app_fixture, request, auth_header):
    client = request.getfixturevalue(app_fixture).test_client()
    path, body = POSTS[app_fixture]
    headers = {**auth_header(roles=["admin"]), "Idempotency-Key": "nul-1"}
    answer = client.post(path, json=body, headers=headers)
    assert answer.status_code == 422, answer.get_data()
    assert answer.content_type == "application/problem+json"
    assert any("NUL" in " ".join(m) for m in answer.json["errors"].values())


@pytest.mark.parametrize("app_fixture", ["gateway_app", "volunteers_app", "points_app"])
def test_json_nested_too_deeply_is_a_400(app_fixture, request, auth_header):
    client = request.getfixturevalue(app_fixture).test_client()
    path, _ = POSTS[app_fixture]
    deep = b"[" * 100_000 + b"]" * 100_000
    headers = {**auth_header(roles=["admin"]), "Idempotency-Key": "deep-1"}
    answer = client.post(path, data=deep, content_type="application/json", headers=headers)
    assert answer.status_code == 400, answer.get_data()[:200]
    assert answer.json["type"].endswith("/malformed-request")


@pytest.mark.parametrize(
    ("app_fixture", "path"),
    [
        ("rewards_app", "/api/v1/rewards"),
        ("volunteers_app", "/api/v1/organizations"),
        ("points_app", "/api/v1/points/transactions"),
    ],
)
def test_nul_in_a_query_or_a_cursor_is_a_422(app_fixture, path, request, auth_header):
    client = request.getfixturevalue(app_fixture).test_client()
    headers = auth_header(roles=["admin"])
    assert client.get(f"{path}?cursor=%00", headers=headers).status_code == 422
    hidden = base64.urlsafe_b64encode(json.dumps(["a\x00", "x"]).encode()).decode().rstrip("=")
    answer = client.get(f"{path}?cursor={hidden}", headers=headers)
    assert answer.status_code == 422, answer.get_data()


@pytest.mark.parametrize("app_fixture", list(POSTS))
def test_an_unpaired_surrogate_is_a_422_not_a_500(app_fixture, request, auth_header):
    client = request.getfixturevalue(app_fixture).test_client()
    path, body = POSTS[app_fixture]
    raw = json.dumps(body).replace("\\u0000", "\\ud800")  # a lone surrogate, escaped
    headers = {**auth_header(roles=["admin"]), "Idempotency-Key": "surrogate-1"}
    answer = client.post(path, data=raw, content_type="application/json", headers=headers)
    assert answer.status_code == 422, answer.get_data()


def test_a_fraction_is_not_rounded_into_a_radius(volunteers_app, auth_header):
    body = {"name": "Station", "kind": "station", "lat": 31.2, "lng": 121.4, "radius_m": 99.7}
    answer = volunteers_app.test_client().post(
        "/api/v1/organizations", json=body, headers=auth_header(roles=["admin"])
    )
    assert answer.status_code == 422 and "radius_m" in answer.json["errors"]
