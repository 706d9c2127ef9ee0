"""What the rewards browser tests set up through the gateway's API: a new funded member,
a request, a round, an activity's pending attendance."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from devtools.demo import Account, District
from tests.helpers.gateway_client import Gateway


class RewardsSetUp:
    def __init__(self, base_url: str, district: District, make_token: Callable[..., str]):
        self.gw = Gateway(base_url)
        self.district = district
        self.root = make_token(roles=["member", "admin", "reward_admin"], username="root")

    def ok(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        headers = {"Idempotency-Key": str(uuid.uuid4())}
        answer = self.gw.call(
            method, "/api/v1" + path, body, token=token or self.root, headers=headers
        )
        assert 200 <= answer.status < 300, (path, answer.status, answer.body)
        return answer.json

    def token_of(self, account: Account) -> str:
        body = {"username": account.username, "password": account.password}
        return str(self.ok("POST", "/auth/token", body, token="")["access_token"])

    def member(self, points: int) -> Account:
        """A new member with ``points`` to spend (kept apart from the demo's accounts)."""
        made = Gateway(self.gw.base_url).sign_up()
        account = Account(made["username"], made["display_name"], (), id=made["id"])
        account.password = made["password"]
        if points:
            body = {"member_id": made["id"], "amount": points, "reason": "浏览器测试"}
            self.ok("POST", "/points/adjustments", body)
        return account

    def ask(self, member: Account, reward: str, form: dict[str, Any] | None = None) -> str:
        body = {"reward_id": self.district.rewards[reward], "form": form or {}}
        return str(self.ok("POST", "/redemptions", body, self.token_of(member))["id"])

    def voucher_code(self, member: Account, redemption_id: str) -> str:
        found = self.ok("GET", f"/redemptions/{redemption_id}", token=self.token_of(member))
        return str(found["voucher_code"])

    def round(self) -> dict[str, Any]:
        reward = self.ok(
            "POST",
            "/rewards",
            {
                "name": "幼儿园插班名额",
                "name_en": "Kindergarten place",
                "category": "childcare",
                "cost": 50,
                "allocation": "round",
                "approvers_needed": 1,
            },
        )
        now = datetime.now(UTC)
        body = {
            "opens_at": now.isoformat(),
            "closes_at": (now + timedelta(days=1)).isoformat(),
            "places": 3,
            "rule": "service_hours",
        }
        return dict(self.ok("POST", f"/rewards/{reward['id']}/rounds", body))

    def attendance(self, title: str) -> str:
        """An activity with one volunteer's hours waiting for the coordinator."""
        coordinator = self.token_of(self.district.accounts["coordinator"])
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
        window = {
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=2)).isoformat(),
        }
        body = {"title": title, "organization_id": self.district.places["elm"], **window}
        activity = self.ok("POST", "/activities", body, coordinator)
        volunteer = self.member(0)
        hours = {
            "activity_id": activity["id"],
            "started_at": window["starts_at"],
            "ended_at": window["ends_at"],
            "description": title,
        }
        self.ok("POST", "/hours", hours, self.token_of(volunteer))
        return str(activity["id"])
