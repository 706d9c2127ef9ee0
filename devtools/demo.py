"""The demo district, in Chinese: what `make run` seeds on an empty database and what the
browser tests walk through. Built through the public API only (any transport that can
call ``/api/v1``: the gateway over HTTP, or the apps in process before they serve).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# (method, path, JSON body, bearer token or None) -> (status, JSON answer)
Call = Callable[[str, str, Any, str | None], tuple[int, Any]]

PASSWORD = "demo-pass-2026"


class SeedFailed(RuntimeError):
    pass


@dataclass
class Account:
    username: str
    display_name: str
    roles: tuple[str, ...]
    id: str = ""
    password: str = PASSWORD


@dataclass
class District:
    places: dict[str, str] = field(default_factory=dict)  # short name -> organisation id
    accounts: dict[str, Account] = field(default_factory=dict)  # role -> account
    rewards: dict[str, str] = field(default_factory=dict)  # short name -> reward id


# short name, Chinese name, kind, parent's short name, lat, lng, radius in metres
PLACES: tuple[tuple[str, str, str, str | None, float, float, int | None], ...] = (
    ("street", "长乐街道", "street", None, 31.2304, 121.4737, 3000),
    ("elm", "榆树社区", "community", "street", 31.2310, 121.4740, 800),
    ("elm-1", "榆树社区第一网格", "grid", "elm", 31.2312, 121.4745, 300),
    ("elm-2", "榆树社区第二网格", "grid", "elm", 31.2300, 121.4730, 300),
    ("pine", "松林社区", "community", "street", 31.2400, 121.4800, 800),
    ("pine-1", "松林社区第一网格", "grid", "pine", 31.2405, 121.4805, 300),
    ("station-elm", "榆树社区党群服务站", "station", "elm", 31.2311, 121.4741, 200),
    ("station-pine", "松林社区党群服务站", "station", "pine", 31.2401, 121.4801, 200),
    ("station-riders", "骑手驿站（长乐路）", "station", "street", 31.2350, 121.4760, 200),
    ("riders-team", "长乐街道骑手志愿服务队", "team", "street", 31.2350, 121.4760, None),
)

ACCOUNTS = (
    Account("rider", "王小骑", ("rider",)),
    Account("volunteer", "李志愿", ()),
    Account("party", "张党员", ("party_member",)),
    Account("coordinator", "陈社工", ("coordinator",)),
    Account("rewards", "赵管理", ("reward_admin",)),
    Account("rewards2", "孙复核", ("reward_admin",)),
    Account("admin", "周管理员", ("admin",)),
)

RULES = (
    ("hours.approved", 10, "hour", 80),
    ("report.verified", 20, "event", 100),
)

REWARDS: tuple[tuple[str, dict[str, Any]], ...] = (
    (
        "childcare",
        {
            "name": "社区托育名额（一学期）",
            "name_en": "Community childcare place (one term)",
            "category": "childcare",
            "cost": 300,
            "stock": 5,
            "per_member_limit": 1,
            "limit_period": "year",
            "approvers_needed": 1,
            "form_fields": [
                {"name": "child_name", "label": "孩子姓名", "type": "text", "required": True},
                {"name": "child_age", "label": "孩子年龄", "type": "number", "required": True},
            ],
        },
    ),
    (
        "housing",
        {
            "name": "保障性租赁住房申请资格",
            "name_en": "Subsidised rental housing",
            "category": "rental_housing",
            "cost": 800,
            "stock": 2,
            "per_member_limit": 1,
            "limit_period": "lifetime",
            "approvers_needed": 2,
            "eligibility": {"min_lifetime_hours": 20},
        },
    ),
    (
        "rice",
        {
            "name": "大米 5 公斤",
            "name_en": "Rice, 5 kg",
            "category": "goods",
            "cost": 40,
            "stock": 100,
            "approvers_needed": 0,
        },
    ),
    (
        "soap",
        {
            "name": "洗衣液一瓶",
            "name_en": "Laundry detergent",
            "category": "goods",
            "cost": 15,
            "stock": None,
            "approvers_needed": 0,
        },
    ),
    (
        "bus",
        {
            "name": "公交卡充值 20 元",
            "name_en": "Transport card, 20 yuan",
            "category": "transport",
            "cost": 60,
            "stock": 200,
            "approvers_needed": 0,
        },
    ),
)


# kind, title, description, the place's short name
TASKS = (
    (
        "practical_matter",
        "帮独居老人更换楼道灯泡",
        "榆树社区 3 号楼 2 单元，工具在服务站领取",
        "elm",
    ),
    ("policy_outreach", "垃圾分类新规入户宣传", "松林社区 1-6 号楼，每户发放一份宣传单", "pine"),
    ("dispute_mediation", "楼道堆物邻里协调", "榆树社区 5 号楼，两户因堆物有争执", "elm"),
    ("volunteer_service", "周六上午社区环境清扫", "9:00 在榆树社区党群服务站集合", "elm"),
)


class Seeder:
    def __init__(self, call: Call, admin_token: str) -> None:
        self.call = call
        self.admin_token = admin_token

    def ok(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        status, answer = self.call(method, path, body, token or self.admin_token)
        if not 200 <= status < 300:
            raise SeedFailed(f"{method} {path} answered {status}: {answer}")
        return answer

    def places(self, district: District) -> None:
        for short, name, kind, parent, lat, lng, radius in PLACES:
            body = {
                "name": name,
                "kind": kind,
                "lat": lat,
                "lng": lng,
                "radius_m": radius,
                "parent_id": district.places.get(parent or ""),
            }
            created = self.ok("POST", "/organizations", {k: v for k, v in body.items() if v})
            district.places[short] = str(created["id"])

    def account(self, account: Account, organization_ids: list[str]) -> Account:
        body = {
            "username": account.username,
            "password": account.password,
            "display_name": account.display_name,
        }
        status, answer = self.call("POST", "/auth/register", body, None)
        if status != 201:
            raise SeedFailed(f"register {account.username}: {status} {answer}")
        account.id = str(answer["id"])
        if account.roles:
            self.ok(
                "PUT",
                f"/users/{account.id}/roles",
                {"roles": ["member", *account.roles], "organization_ids": organization_ids},
            )
        return account

    def sign_in(self, account: Account) -> str:
        answer = self.ok(
            "POST", "/auth/token", {"username": account.username, "password": account.password}
        )
        return str(answer["access_token"])

    def home(self, account: Account, community_id: str) -> None:
        body = {"home_community_id": community_id, "display_name": account.display_name}
        self.ok("PUT", "/me/profile", body, token=self.sign_in(account))


def seed(call: Call, admin_token: str, accounts: tuple[Account, ...] = ACCOUNTS) -> District:
    """Build the demo district through the API and return its ids and accounts."""
    seeder = Seeder(call, admin_token)
    district = District()
    seeder.places(district)
    for account in accounts:
        scope = [district.places["street"]] if "coordinator" in account.roles else []
        made = seeder.account(
            Account(
                account.username, account.display_name, account.roles, password=account.password
            ),
            scope,
        )
        key = account.roles[0] if account.roles else "volunteer"
        district.accounts.setdefault(key, made)
        district.accounts[account.username] = made
        if "admin" not in account.roles:
            seeder.home(made, district.places["elm"])
    for event_type, points, per, cap in RULES:
        seeder.ok(
            "PUT", f"/points/rules/{event_type}", {"points": points, "per": per, "daily_cap": cap}
        )
    coordinator = seeder.sign_in(district.accounts["coordinator"])
    for kind, title, description, place in TASKS:
        body = {
            "kind": kind,
            "title": title,
            "description": description,
            "organization_id": district.places[place],
        }
        seeder.ok("POST", "/tasks", body, token=coordinator)
    for short, terms in REWARDS:
        district.rewards[short] = str(seeder.ok("POST", "/rewards", terms)["id"])
    return district
