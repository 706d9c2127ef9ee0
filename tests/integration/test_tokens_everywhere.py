"""Every process verifies access tokens itself and refuses anything but our EdDSA tokens."""

from __future__ import annotations

import base64
import json
import time
import uuid

import jwt
import pytest

from common.tokens import TokenSigner, generate_key_pair

PROTECTED = {
    "gateway_app": "/api/v1/me",
    "volunteers_app": "/api/v1/organizations",
    "points_app": "/api/v1/points/balance",
    "rewards_app": "/api/v1/rewards",
}


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def bad_tokens(make_token) -> dict[str, str]:
    other_private, _ = generate_key_pair()
    wrong_key = TokenSigner(other_private, "civic-gateway", "civic", 900)
    _, payload, _ = make_token().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    return {
        "garbage": "not.a.token",
        "expired": make_token(now=time.time() - 3600),
        "wrongly-signed": wrong_key.sign(uuid.uuid4(), "mallory", ["admin"]),
        "alg-none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
        "hs256": jwt.encode(claims, "a-guessed-secret-of-enough-length!", algorithm="HS256"),
        "wrong-audience": TokenSigner(other_private, "civic-gateway", "elsewhere", 900).sign(
            uuid.uuid4(), "mallory", ["admin"]
        ),
    }


@pytest.mark.parametrize("app_fixture", list(PROTECTED))
def test_missing_token_is_401(app_fixture, request):
    client = request.getfixturevalue(app_fixture).test_client()
    response = client.get(PROTECTED[app_fixture])
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"


@pytest.mark.parametrize("app_fixture", list(PROTECTED))
def test_bad_tokens_are_401(app_fixture, request, make_token):
    client = request.getfixturevalue(app_fixture).test_client()
    for name, token in bad_tokens(make_token).items():
        response = client.get(PROTECTED[app_fixture], headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, name


@pytest.mark.parametrize("app_fixture", ["volunteers_app", "points_app", "rewards_app"])
def test_valid_token_is_accepted(app_fixture, request, auth_header):
    client = request.getfixturevalue(app_fixture).test_client()
    response = client.get(PROTECTED[app_fixture], headers=auth_header())
    assert response.status_code == 200
