"""Helpers for the rewards end-to-end tests: people with tokens, points given through the
gateway, and every call through the gateway."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from tests.helpers.gateway_client import Answer, Gateway


class RewardsWorld:
    def __init__(self, live: Any, make_token: Callable[..., str]) -> None:
        self.live = live
        self.make_token = make_token
        self.gw = Gateway(live.url())
        self.root = make_token(roles=["admin"], username="root")
        # large adjustments wait for a second admin's approval
        self.second_root = make_token(roles=["admin"], username="root2")
        self.admin_id, self.admin = self.person("reward_admin")
        self.second_admin_id, self.second_admin = self.person("reward_admin")

    def person(self, *roles: str) -> tuple[uuid.UUID, str]:
        person_id = uuid.uuid4()
        token = self.make_token(roles=["member", *roles], user_id=person_id, username="p")
        return person_id, token

    def call(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Answer:
        return self.gw.call(method, path, body, **kwargs)

    def reward(self, **terms: Any) -> dict[str, Any]:
        body = {"name": "托育名额", "name_en": "Childcare place", "category": "childcare"}
        answer = self.call(
            "POST", "/api/v1/rewards", {**body, "cost": 100, **terms}, token=self.admin
        )
        assert answer.status == 201, answer.body
        return dict(answer.json)

    def fund(self, member_id: uuid.UUID, amount: int) -> None:
        body = {"member_id": str(member_id), "amount": amount, "reason": "e2e funds"}
        answer = self.gw.post(
            "/api/v1/points/adjustments",
            body,
            token=self.root,
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        if answer.status == 202:
            pending = answer.json["id"]
            answer = self.gw.post(
                f"/api/v1/points/adjustments/{pending}/approve", None, token=self.second_root
            )
            assert answer.status == 200, answer.body
            return
        assert answer.status == 201, answer.body

    def balance(self, member_id: uuid.UUID) -> dict[str, Any]:
        answer = self.gw.get(f"/api/v1/points/balance?member_id={member_id}", token=self.root)
        assert answer.status == 200, answer.body
        return dict(answer.json)

    def ask(self, token: str, reward_id: str, key: str | None = None) -> Answer:
        return self.call(
            "POST",
            "/api/v1/redemptions",
            {"reward_id": reward_id, "form": {}},
            token=token,
            headers={"Idempotency-Key": key or str(uuid.uuid4())},
        )

    def act(self, redemption_id: str, action: str, token: str, body: Any = None) -> Answer:
        return self.call("POST", f"/api/v1/redemptions/{redemption_id}/{action}", body, token=token)


def wait_for(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError("the condition did not hold in time")
