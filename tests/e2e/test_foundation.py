"""The foundation, through the gateway, with every process real."""

from __future__ import annotations

import base64
import json
import time
import uuid

import pytest

from tests.helpers.gateway_client import Gateway

PROBLEM = "application/problem+json"


@pytest.fixture
def gw(live):
    return Gateway(live.url())


def test_register_token_me(gw):
    account = gw.sign_up("rider.one")
    me = gw.get("/api/v1/me")
    assert me.status == 200
    assert me.json["id"] == account["id"]
    assert me.json["username"] == "rider.one"
    assert me.json["roles"] == ["member"]


def test_duplicate_name_and_wrong_password(gw):
    gw.sign_up("dup.name")
    again = gw.post(
        "/api/v1/auth/register",
        {"username": "dup.name", "password": "another passphrase", "display_name": "Dup"},
    )
    assert again.status == 409
    assert again.headers["Content-Type"] == PROBLEM
    wrong = gw.post("/api/v1/auth/token", {"username": "dup.name", "password": "not it at all"})
    assert wrong.status == 401
    assert wrong.json["type"].endswith("/invalid-credentials")


def _forged_tokens(make_token) -> dict[str, str]:
    from common.tokens import TokenSigner, generate_key_pair

    good = make_token()
    header, payload, _ = good.split(".")
    none_header = (
        base64.urlsafe_b64encode(json.dumps({"alg": "none"}).encode()).decode().rstrip("=")
    )
    other_key, _ = generate_key_pair()
    return {
        "garbage": "garbage",
        "expired": make_token(now=time.time() - 7200),
        "wrongly-signed": TokenSigner(other_key, "civic-gateway", "civic", 900).sign(
            uuid.uuid4(), "mallory", ["admin"]
        ),
        "alg-none": f"{none_header}.{payload}.",
        "tampered": f"{header}.{payload[:-4]}AAAA.{good.split('.')[2]}",
    }


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/points/balance", "/api/v1/rewards"])
def test_bad_tokens_are_refused_everywhere(gw, make_token, path):
    missing = gw.get(path)
    assert missing.status == 401
    assert missing.headers["Content-Type"] == PROBLEM
    for name, token in _forged_tokens(make_token).items():
        answer = gw.get(path, token=token)
        assert answer.status == 401, (name, answer.body)
        assert answer.headers["Content-Type"] == PROBLEM


def test_services_verify_tokens_themselves(live, make_token):
    """A request that bypasses the gateway gets no further with a forged token."""
    direct = Gateway(live.url("points"))
    for name, token in _forged_tokens(make_token).items():
        assert direct.get("/api/v1/points/balance", token=token).status == 401, name
    assert direct.get("/api/v1/points/balance", token=make_token()).status == 200


def test_member_cannot_set_roles(gw):
    account = gw.sign_up()
    answer = gw.put(f"/api/v1/users/{account['id']}/roles", {"roles": ["admin"]})
    assert answer.status == 403
    assert gw.get("/api/v1/me").json["roles"] == ["member"]


def test_refresh_token_second_use_is_401(gw):
    account = gw.sign_up()
    first = gw.post("/api/v1/auth/refresh", {"refresh_token": account["refresh_token"]}, token="")
    assert first.status == 200
    second = gw.post("/api/v1/auth/refresh", {"refresh_token": account["refresh_token"]}, token="")
    assert second.status == 401


def test_login_rate_limit(gw):
    # five free guesses, then a wait that doubles per wrong guess (docs/security.md)
    account = gw.sign_up()
    for _ in range(5):
        wrong = {"username": account["username"], "password": "wrong wrong wrong"}
        assert gw.post("/api/v1/auth/token", wrong, token="").status == 401
    right = {"username": account["username"], "password": account["password"]}
    limited = gw.post("/api/v1/auth/token", right, token="")
    assert limited.status == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.headers["Content-Type"] == PROBLEM


def test_stopped_service_is_503_then_recovers(live, make_token):
    gw = Gateway(live.url())
    token = make_token()
    assert gw.get("/api/v1/points/balance", token=token).status == 200
    live.stop("points")
    try:
        down = gw.get("/api/v1/points/balance", token=token)
        assert down.status == 503
        assert down.headers["Content-Type"] == PROBLEM
        assert down.json["type"].endswith("/service-unavailable")
        ready = gw.get("/readyz")
        assert ready.status == 503
        assert ready.json["checks"]["points"].startswith("down")
        # the other services are not affected
        assert gw.get("/api/v1/rewards", token=token).status == 200
    finally:
        live.start("points")
    assert gw.get("/api/v1/points/balance", token=token).status == 200
    assert gw.get("/readyz").status == 200


def test_readyz_reports_every_part(gw):
    ready = gw.get("/readyz")
    assert ready.status == 200
    assert ready.json["checks"] == {
        "database": "ok",
        "redis": "ok",
        "volunteers": "ok",
        "points": "ok",
        "rewards": "ok",
    }
    assert gw.get("/healthz").status == 200


def test_bad_input_through_the_gateway(gw, make_token):
    admin = make_token(roles=["admin"])
    malformed = gw.post("/api/v1/organizations", raw=b'{"name": ', token=admin)
    assert malformed.status == 400
    assert malformed.headers["Content-Type"] == PROBLEM

    missing = gw.post("/api/v1/organizations", {}, token=admin)
    assert missing.status == 422
    assert set(missing.json["errors"]) >= {"name", "kind"}

    too_big = gw.post("/api/v1/organizations", raw=b"x" * (2 * 1024 * 1024), token=admin)
    assert too_big.status == 413

    assert gw.get("/api/v1/organizations/not-a-uuid", token=admin).status == 404
    unknown = gw.get(f"/api/v1/organizations/{uuid.uuid4()}", token=admin)
    assert unknown.status == 404
    assert unknown.headers["Content-Type"] == PROBLEM
    assert gw.get("/api/v1/no-such-thing", token=admin).status == 404
    # percent-encoded paths and queries reach the service as the client sent them
    assert gw.get("/api/v1/organizations/a%20b", token=admin).status == 404
    odd_kind = gw.get("/api/v1/organizations?kind=%E4%B8%AD%20x", token=admin)
    assert odd_kind.status == 422 and "kind" in odd_kind.json["errors"]


def test_request_id_travels(gw):
    gw.sign_up()
    answer = gw.get("/api/v1/points/balance", headers={"X-Request-ID": "trace-me-123"})
    assert answer.headers["X-Request-ID"] == "trace-me-123"


def test_openapi_documents_are_published(gw):
    for service in ["gateway", "volunteers", "points", "rewards"]:
        doc = gw.get(f"/api/v1/docs/{service}/openapi.json")
        assert doc.status == 200, service
        assert doc.json["openapi"].startswith("3.")
        assert doc.json["paths"], service
