"""What ``bench.hot_paths`` loads: the data each hot path needs, and wrk's request lists.

Reads repeat one request. A write that may happen only once (approving an hour, a
member's check-in of the day, a member's request for a reward) gets a line of its own
per request, ``pool`` of them per route, seeded beforehand (hours straight into the
database, members funded through the points API).
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import urllib3

from bench.profile_seeds import put_catalogue
from common.settings import database_url_for
from common.tokens import TokenSigner
from devtools.suite import Suite

CENTRE = (31.2304, 121.4737)
CEILING = "bare Flask (the ceiling)"


@dataclass(frozen=True)
class HotPath:
    name: str
    kind: str  # read | write
    app: str
    direct: Path  # wrk request lines for the service itself
    gateway: Path  # and for the gateway
    via: str = "gateway"  # the gateway process that forwards to ``app``


@dataclass
class Seeded:
    reads: list[HotPath] = field(default_factory=list)
    writes: list[HotPath] = field(default_factory=list)


class Seeder:
    def __init__(self, suite: Suite, signer: TokenSigner, workdir: Path) -> None:
        self.suite, self.signer, self.workdir = suite, signer, workdir
        self.http = urllib3.PoolManager(maxsize=16, retries=False, timeout=60)

    def bearer(self, user: uuid.UUID, roles: list[str], orgs: Iterable[str] = ()) -> str:
        orgs_ = [uuid.UUID(o) for o in orgs]
        return f"Bearer {self.signer.sign(user, 'bench', roles, orgs_)}"

    def call(self, method: str, app: str, path: str, auth: str, body: Any = None) -> Any:
        headers = {"Authorization": auth, "Idempotency-Key": str(uuid.uuid4())}
        if body is not None:
            headers["Content-Type"] = "application/json"
        answer = self.http.request(
            method,
            self.suite.url(app) + path,
            body=None if body is None else json.dumps(body).encode(),
            headers=headers,
        )
        assert answer.status < 300, (path, answer.status, answer.data[:500])
        return json.loads(answer.data)

    def fund(self, members: list[uuid.UUID], points: int) -> None:
        admin = self.bearer(uuid.uuid4(), ["admin"])
        body = {"amount": points, "reason": "bench"}

        def give(member: uuid.UUID) -> None:
            self.call(
                "POST",
                "points",
                "/api/v1/points/adjustments",
                admin,
                {**body, "member_id": str(member)},
            )

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(give, members))

    def lines(self, name: str, route: str, rows: list[tuple[str, str, str, str, Any]]) -> Path:
        path = self.workdir / f"{name.replace(' ', '-')}-{route}.txt"
        with path.open("w") as out:
            for method, url, auth, key, body in rows:
                text = "-" if body is None else json.dumps(body)
                out.write(f"{method}\t{url}\t{auth}\t{key}\t{text}\n")
        return path

    def path(self, name: str, kind: str, app: str, rows: Any) -> HotPath:
        """``rows(route)``: the request lines of one route (each route its own writes)."""
        return HotPath(
            name,
            kind,
            app,
            self.lines(name, "direct", rows("direct")),
            self.lines(name, "gateway", rows("gateway")),
        )


def seed(suite: Suite, signer: TokenSigner, workdir: Path, pool: int) -> Seeded:
    """The reads, and the writes unless ``pool`` is 0."""
    seeder = Seeder(suite, signer, workdir)
    seeded = Seeded()
    _ceiling(seeder, seeded)
    _points(seeder, seeded)
    _rewards(seeder, seeded, pool)
    if not pool:
        return seeded
    world = _volunteers_world(seeder)
    seeded.writes += [
        _reports(seeder, world, pool),
        _approvals(seeder, world, pool),
        _checkins(seeder, world, pool),
    ]
    seeded.writes.append(seeded.writes.pop(0))  # the redemption request last
    return seeded


def _ceiling(seeder: Seeder, seeded: Seeded) -> None:
    """Bare Flask's balance, straight and through a gateway that forwards it there: what a
    path through the gateway could reach if its service cost nothing beyond bare Flask."""
    auth = seeder.bearer(uuid.uuid4(), ["member"])
    balance = [("GET", "/api/v1/points/balance", auth, "-", None)]
    path = seeder.path(CEILING, "read", "bare", lambda _: balance)
    seeded.reads.append(dataclasses.replace(path, via="gateway_to_bare"))


def _points(seeder: Seeder, seeded: Seeded) -> None:
    member = uuid.uuid4()
    for amount in range(1, 31):  # a history of 30 transfers, a page of 20
        seeder.fund([member], amount)
    auth = seeder.bearer(member, ["member"])
    balance = [("GET", "/api/v1/points/balance", auth, "-", None)]
    page = [("GET", "/api/v1/points/transactions?limit=20", auth, "-", None)]
    seeded.reads.append(seeder.path("balance read", "read", "points", lambda _: balance))
    seeded.reads.append(seeder.path("transactions page", "read", "points", lambda _: page))


def _volunteers_world(seeder: Seeder) -> dict[str, Any]:
    admin = seeder.bearer(uuid.uuid4(), ["admin"])
    post = "/api/v1/organizations"
    street = seeder.call("POST", "volunteers", post, admin, {"name": "Elm", "kind": "street"})
    lat, lng = CENTRE
    community = seeder.call(
        "POST",
        "volunteers",
        post,
        admin,
        {
            "name": "Elm Community",
            "kind": "community",
            "parent_id": street["id"],
            "lat": lat,
            "lng": lng,
            "radius_m": 5000,
        },
    )
    station = seeder.call(
        "POST",
        "volunteers",
        post,
        admin,
        {
            "name": "Elm Station",
            "kind": "station",
            "parent_id": community["id"],
            "lat": lat + 0.0006,
            "lng": lng + 0.0003,
            "radius_m": 100,
        },
    )
    coordinator = uuid.uuid4()
    return {
        "community": community["id"],
        "station": station["id"],
        "coordinator": seeder.bearer(coordinator, ["member", "coordinator"], [community["id"]]),
    }


def _reports(seeder: Seeder, world: dict[str, Any], pool: int) -> HotPath:
    def rows(route: str) -> list[Any]:
        shift = 0.0 if route == "direct" else 0.05  # the routes' reports are not duplicates
        made = []
        for n in range(pool):  # 100 m apart: none is a duplicate of another
            body = {
                "category": "broken_street_light",
                "description": "the lamp is out",
                "lat": round(CENTRE[0] - 0.03 + shift + (n // 60) * 0.001, 6),
                "lng": round(CENTRE[1] - 0.03 + (n % 60) * 0.001, 6),
                "address": f"{n} Elm Street",
            }
            auth = seeder.bearer(uuid.uuid4(), ["member"])
            made.append(("POST", "/api/v1/reports", auth, "-", body))
        return made

    return seeder.path("report submission", "write", "volunteers", rows)


def _approvals(seeder: Seeder, world: dict[str, Any], pool: int) -> HotPath:
    engine = sa.create_engine(
        database_url_for(
            seeder.suite.env["DATABASE_URL"], seeder.suite.env["DB_PREFIX"] + "volunteers"
        )
    )
    insert_members = sa.text(
        "INSERT INTO members (id, display_name) SELECT gen_random_uuid(), 'bench' "
        "FROM generate_series(1, :n) RETURNING id"
    )
    insert_hours = sa.text(
        "INSERT INTO hours (id, member_id, organization_id, started_at, ended_at, minutes, "
        "description, source, status, entered_by) SELECT gen_random_uuid(), m, :org, "
        "now() - interval '3 hours', now() - interval '1 hour', 120, 'bench', 'self', "
        "'pending', m FROM unnest(CAST(:members AS uuid[])) AS m RETURNING id"
    )
    with engine.begin() as connection:
        members = list(connection.execute(insert_members, {"n": 2 * pool}).scalars())
        hours = [
            str(h)
            for h in connection.execute(
                insert_hours, {"org": world["community"], "members": members}
            ).scalars()
        ]
    engine.dispose()

    def rows(route: str) -> list[Any]:
        mine = hours[:pool] if route == "direct" else hours[pool:]
        return [
            ("POST", f"/api/v1/hours/{h}/approve", world["coordinator"], "-", None) for h in mine
        ]

    return seeder.path("hours approval", "write", "volunteers", rows)


def _checkins(seeder: Seeder, world: dict[str, Any], pool: int) -> HotPath:
    code = seeder.call(
        "GET", "volunteers", f"/api/v1/stations/{world['station']}/code", world["coordinator"]
    )["code"]
    lat, lng = CENTRE[0] + 0.0007, CENTRE[1] + 0.0004  # about 15 m from the station
    body = {"station_id": world["station"], "code": code, "lat": lat, "lng": lng}

    def rows(route: str) -> list[Any]:
        return [
            ("POST", "/api/v1/checkins", seeder.bearer(uuid.uuid4(), ["member"]), "-", body)
            for _ in range(pool)
        ]

    return seeder.path("check-in", "write", "volunteers", rows)


def _rewards(seeder: Seeder, seeded: Seeded, pool: int) -> None:
    admin = seeder.bearer(uuid.uuid4(), ["reward_admin"])
    rewards = [
        seeder.call(
            "POST",
            "rewards",
            "/api/v1/rewards",
            admin,
            {
                "name": f"Benefit {n}",
                "category": "childcare",
                "cost": 10,
                "stock": 10 * pool,
                "approvers_needed": 1,
            },
        )["id"]
        for n in range(5)
    ]
    member_id = uuid.uuid4()
    _realistic_catalogue(seeder, admin, member_id)
    member = seeder.bearer(member_id, ["member"])
    listing = [("GET", "/api/v1/rewards", member, "-", None)]
    seeded.reads.append(seeder.path("rewards list", "read", "rewards", lambda _: listing))
    if not pool:
        return
    # each member may ask once per reward: a member asks for each of the five in turn
    askers = [uuid.uuid4() for _ in range(2 * max(1, pool // 10))]
    seeder.fund(askers, 100)

    def rows(route: str) -> list[Any]:
        half = len(askers) // 2
        mine = askers[:half] if route == "direct" else askers[half:]
        return [
            (
                "POST",
                "/api/v1/redemptions",
                seeder.bearer(m, ["member"]),
                str(uuid.uuid4()),
                {"reward_id": r, "form": {}},
            )
            for r in rewards
            for m in mine
        ]

    seeded.writes.append(seeder.path("redemption request", "write", "rewards", rows))


def _realistic_catalogue(seeder: Seeder, admin: str, member_id: uuid.UUID) -> None:
    """The list as members see it in use: beside the five above, the catalogue of
    ``bench.profile_seeds.put_catalogue`` (every kind of rule, forms, windows, two closed),
    read by a member of 120 hours in a known community."""
    env = seeder.suite.env
    engine = sa.create_engine(database_url_for(env["DATABASE_URL"], env["DB_PREFIX"] + "rewards"))
    try:
        put_catalogue(
            lambda method, path, body: seeder.call(method, "rewards", path, admin, body),
            engine,
            member_id,
        )
    finally:
        engine.dispose()
