"""The loop across services, through the gateway, with every process real:
coordinators confirm work in the volunteers service; the relay and a worker carry the
events; the points service pays them exactly once."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.volunteers.domain.signing import derive_key, issue_station_code
from tests.helpers.gateway_client import Gateway

STATION = {"lat": 31.2304, "lng": 121.4737, "radius_m": 150}


class World:
    """A district with a street, a community, a station and the people acting in it."""

    def __init__(self, live, make_token) -> None:
        self.live = live
        self.gw = Gateway(live.url())
        self.admin = make_token(roles=["admin"], username="admin")
        street = self.create_org("Nanjing Road", "street")
        self.community = self.create_org("Harbour Community", "community", street)
        self.station = self.create_org("Harbour Station", "station", self.community, **STATION)
        other_street = self.create_org("Far Street", "street")
        self.far_community = self.create_org("Far Community", "community", other_street)
        self.coordinator_id = uuid.uuid4()
        self.coordinator = make_token(
            roles=["coordinator"], orgs=[street], user_id=self.coordinator_id, username="coord"
        )
        self.outsider = make_token(roles=["coordinator"], orgs=[other_street], username="far")
        self.member_id = uuid.uuid4()
        self.member = make_token(roles=["rider"], user_id=self.member_id, username="rider")

    def create_org(self, name, kind, parent=None, **place):
        body = {"name": name, "kind": kind, "parent_id": parent, **place}
        answer = self.gw.post("/api/v1/organizations", body, token=self.admin)
        assert answer.status == 201, answer.body
        return answer.json["id"]

    def set_rule(self, event_type, points, per="event", daily_cap=None):
        body = {"points": points, "per": per, "daily_cap": daily_cap}
        answer = self.gw.put(f"/api/v1/points/rules/{event_type}", body, token=self.admin)
        assert answer.status == 200, answer.body

    def balance(self, token=None):
        answer = self.gw.get("/api/v1/points/balance", token=token or self.member)
        assert answer.status == 200, answer.body
        return answer.json

    def wait_for_available(self, expected, timeout=30.0):
        deadline = time.monotonic() + timeout
        seen = None
        while time.monotonic() < deadline:
            seen = self.balance()["available"]
            if seen == expected:
                return
            time.sleep(0.2)
        raise AssertionError(f"available stayed {seen}, expected {expected}")

    def log_hours(self, hours_ago_start=5, hours_ago_end=3):
        now = datetime.now(UTC)
        body = {
            "organization_id": self.community,
            "started_at": (now - timedelta(hours=hours_ago_start)).isoformat(),
            "ended_at": (now - timedelta(hours=hours_ago_end)).isoformat(),
            "description": "Visited three elderly neighbours",
        }
        answer = self.gw.post("/api/v1/hours", body, token=self.member)
        assert answer.status == 201, answer.body
        return answer.json


@pytest.fixture
def world(live, make_token):
    return World(live, make_token)


def test_two_hours_approved_pay_the_rule_once(world):
    world.set_rule("hours.approved", 10, per="hour")
    hours = world.log_hours()
    assert hours["minutes"] == 120 and hours["status"] == "pending"

    assert world.gw.post(f"/api/v1/hours/{hours['id']}/approve", token=world.member).status == 403
    outside = world.gw.post(f"/api/v1/hours/{hours['id']}/approve", token=world.outsider)
    assert outside.status == 403

    approved = world.gw.post(f"/api/v1/hours/{hours['id']}/approve", token=world.coordinator)
    assert approved.status == 200 and approved.json["status"] == "approved"
    again = world.gw.post(f"/api/v1/hours/{hours['id']}/approve", token=world.coordinator)
    assert again.status == 409

    world.wait_for_available(20)
    world.live.wait_idle()  # every event relayed and consumed: no second payment is on its way
    balance = world.balance()
    assert balance["available"] == 20 and balance["lifetime_earned"] == 20
    history = world.gw.get("/api/v1/points/transactions", token=world.member).json["items"]
    assert [(t["kind"], t["amount"]) for t in history] == [("award", 20)]


def test_verified_report_pays_and_a_nearby_duplicate_does_not(world):
    world.set_rule("report.verified", 15)
    report = {
        "category": "blocked_fire_lane",
        "description": "Cars parked across the fire lane",
        "lat": STATION["lat"],
        "lng": STATION["lng"],
        "address": "12 Harbour Road",
        "organization_id": world.community,
    }
    first = world.gw.post("/api/v1/reports", report, token=world.member)
    assert first.status == 201 and first.json["duplicate_of"] is None
    nearby = {**report, "lat": STATION["lat"] + 0.0002}  # about 22 m north
    second = world.gw.post("/api/v1/reports", nearby, token=world.member)
    assert second.status == 201
    assert second.json["duplicate_of"] == first.json["id"]

    for created in (first, second):
        verify = world.gw.post(
            f"/api/v1/reports/{created.json['id']}/verify", token=world.coordinator
        )
        assert verify.status == 200, verify.body
    world.wait_for_available(15)
    world.live.wait_idle()
    assert world.balance()["available"] == 15


def test_check_in_refusals(world):
    world.set_rule("checkin.recorded", 5)
    code = world.gw.get(f"/api/v1/stations/{world.station}/code", token=world.coordinator)
    assert code.status == 200, code.body
    good = {
        "station_id": world.station,
        "code": code.json["code"],
        "lat": STATION["lat"],
        "lng": STATION["lng"],
    }
    secret = world.live.env.get("VOLUNTEERS_SIGNING_SECRET") or world.live.env["INTERNAL_API_TOKEN"]
    stale = issue_station_code(
        derive_key(secret, "station-code"), uuid.UUID(world.station), time.time() - 3600, 120
    ).code
    signature_start = good["code"].rindex(".") + 1
    forged_char = "A" if good["code"][signature_start] != "A" else "B"
    forged = good["code"][:signature_start] + forged_char + good["code"][signature_start + 1 :]
    refusals = {
        "stale": ({**good, "code": stale}, "expired-code"),
        "forged": ({**good, "code": forged}, "invalid-code"),
        "1 km away": ({**good, "lat": STATION["lat"] + 1000 / 111_320}, "outside-station"),
    }
    for name, (body, kind) in refusals.items():
        answer = world.gw.post("/api/v1/checkins", body, token=world.member)
        assert answer.status == 422, (name, answer.body)
        assert answer.json["type"].endswith(kind), (name, answer.json)

    assert world.gw.post("/api/v1/checkins", good, token=world.member).status == 201
    twice = world.gw.post("/api/v1/checkins", good, token=world.member)
    assert twice.status == 409
    assert twice.json["type"].endswith("already-checked-in")
    world.wait_for_available(5)


def test_no_award_is_lost_while_redis_is_down(world):
    world.set_rule("hours.approved", 6, per="hour")
    entries = [world.log_hours(10 - 2 * n, 9 - 2 * n) for n in range(3)]
    relay_logged = world.live.log_size("relay")
    world.live.stop("redis")
    try:
        for entry in entries:
            answer = world.gw.post(f"/api/v1/hours/{entry['id']}/approve", token=world.coordinator)
            assert answer.status == 200, answer.body
        # the relay tries, fails and keeps the rows
        world.live.wait_for_log("relay", "failed", after=relay_logged)
    finally:
        world.live.start("redis")
    world.wait_for_available(18, timeout=45)
    world.live.wait_idle()
    assert world.balance()["available"] == 18


def test_hours_a_coordinator_entered_pay_only_after_another_coordinator_approves(world, make_token):
    world.set_rule("hours.approved", 10, per="hour")
    now = datetime.now(UTC)
    body = {
        "organization_id": world.community,
        "member_id": str(world.member_id),
        "started_at": (now - timedelta(hours=4)).isoformat(),
        "ended_at": (now - timedelta(hours=3)).isoformat(),
        "description": "Stewarded the evening patrol",
    }
    entered = world.gw.post("/api/v1/hours", body, token=world.coordinator)
    assert entered.status == 201 and entered.json["source"] == "coordinator", entered.body
    path = f"/api/v1/hours/{entered.json['id']}/approve"
    own = world.gw.post(path, token=world.coordinator)
    assert own.status == 403 and own.json["type"].endswith("/own-entry"), own.body
    second = make_token(roles=["coordinator"], orgs=[world.community], username="second")
    approved = world.gw.post(path, token=second)
    assert approved.status == 200, approved.body
    world.wait_for_available(10)
    world.live.wait_idle()
    assert world.balance()["available"] == 10
