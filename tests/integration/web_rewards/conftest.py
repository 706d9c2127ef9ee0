"""The gateway's pages with the rewards, points and volunteers services answering real
HTTP on local ports (the gateway forwards over HTTP; rewards holds points over HTTP)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from gateway import create_app as create_gateway
from services.rewards import create_app as create_rewards
from tests.helpers.web_pages import Browser, serving


@pytest.fixture(scope="session")
def web_suite(points_app, volunteers_app) -> Iterator[Any]:
    with serving(points_app) as points_url, serving(volunteers_app) as volunteers_url:
        rewards = create_rewards({"TESTING": True, "POINTS_URL": points_url})
        with serving(rewards) as rewards_url:
            gateway = create_gateway(
                {
                    "TESTING": True,
                    "POINTS_URL": points_url,
                    "REWARDS_URL": rewards_url,
                    "VOLUNTEERS_URL": volunteers_url,
                }
            )
            yield gateway
            gateway.extensions["database"].engine.dispose()
        rewards.extensions["database"].engine.dispose()
        rewards.extensions["redis"].close()


@pytest.fixture
def root(web_suite, make_token) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(roles=['admin'], username='root')}"}


@pytest.fixture
def person(web_suite, root) -> Callable[..., Browser]:
    """``person("reward_admin")``: a signed-up, signed-in browser with those roles."""

    def make(*roles: str) -> Browser:
        browser = Browser(web_suite).sign_up()
        if roles:
            granted = browser.client.put(
                f"/api/v1/users/{browser.user_id}/roles",
                json={"roles": ["member", *roles]},
                headers=root,
            )
            assert granted.status_code == 200, granted.json
            browser.sign_in_again()
        return browser

    return make


@pytest.fixture
def api_call(web_suite) -> Callable[..., Any]:
    client = web_suite.test_client()

    def call(method: str, path: str, headers: dict[str, str], body: Any = None) -> Any:
        return client.open(path, method=method, json=body, headers=headers)

    return call


@pytest.fixture
def fund(api_call, root) -> Callable[[str, int], None]:
    def give(member_id: str, amount: int) -> None:
        answer = api_call(
            "POST",
            "/api/v1/points/adjustments",
            {**root, "Idempotency-Key": str(uuid.uuid4())},
            {"member_id": member_id, "amount": amount, "reason": "test funds"},
        )
        assert answer.status_code == 201, answer.json

    return give


CHILDCARE = {
    "name": "托育名额",
    "name_en": "Childcare place",
    "category": "childcare",
    "cost": 100,
    "stock": 3,
    "approvers_needed": 1,
    "form_fields": [
        {"name": "child_age", "label": "孩子年龄", "type": "number", "required": True},
        {"name": "kindergarten", "label": "幼儿园", "type": "choice", "choices": ["东区", "西区"]},
    ],
}


@pytest.fixture
def new_reward(api_call, root) -> Callable[..., dict[str, Any]]:
    def create(**terms: Any) -> dict[str, Any]:
        answer = api_call("POST", "/api/v1/rewards", root, {**CHILDCARE, **terms})
        assert answer.status_code == 201, answer.json
        return dict(answer.json)

    return create
