"""`make run`'s first run: seed the demo district into empty databases, in process.

Each app is built with its factory and called through its test client, so the seed
speaks the public API (devtools/demo.py) before any server listens. It runs only when
the gateway has no user and the volunteers service no organisation; ``DEMO=0`` skips it.
"""

from __future__ import annotations

import importlib
import os
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

import sqlalchemy as sa
from flask import Flask

from devtools.demo import District, seed
from suite import APPS

# table -> the app whose database must not have a row in it
SIGNS_OF_DATA = {"gateway": "users", "volunteers": "organizations"}


def _apps() -> dict[str, Flask]:
    apps: dict[str, Flask] = {}
    for each in APPS:
        factory: Callable[[], Flask] = importlib.import_module(each.package).create_app
        apps[each.name] = factory()
    return apps


def has_data(apps: dict[str, Flask]) -> bool:
    for name, table in SIGNS_OF_DATA.items():
        engine: sa.Engine = apps[name].extensions["database"].engine
        with engine.connect() as connection:
            if connection.execute(sa.text(f"SELECT EXISTS (SELECT 1 FROM {table})")).scalar():
                return True
    return False


def _transport(apps: dict[str, Flask]) -> Callable[[str, str, Any, str | None], tuple[int, Any]]:
    from gateway.proxy import match_service

    clients = {name: app.test_client() for name, app in apps.items()}

    def call(method: str, path: str, body: Any, token: str | None) -> tuple[int, Any]:
        full = "/api/v1" + path
        client = clients[match_service(full) or "gateway"]
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        answer = client.open(full, method=method, json=body, headers=headers)
        return answer.status_code, answer.get_json(silent=True)

    return call


def _admin_token(gateway: Flask) -> str:
    signer = gateway.extensions["token_signer"]
    token: str = signer.sign(uuid.uuid4(), "demo-seed", ["member", "admin", "reward_admin"])
    return token


def seed_if_empty(say: Callable[[str], None]) -> District | None:
    if os.environ.get("DEMO", "1") == "0":
        say("DEMO=0: starting with empty databases")
        return None
    apps = _apps()
    with ExitStack() as stack:
        for app in apps.values():
            stack.callback(app.extensions["database"].engine.dispose)
        if has_data(apps):
            say("the databases have data: no demo seed (DEMO=0 silences this)")
            return None
        district = seed(_transport(apps), _admin_token(apps["gateway"]))
    say("seeded the demo district 长乐街道: two communities with grids, three stations (one a")
    say("riders' rest station), a riders' team, earning rules and a catalogue.")
    say("Demo accounts (username, password, roles):")
    for account in {a.username: a for a in district.accounts.values()}.values():
        roles = ", ".join(account.roles) or "volunteer"
        say(f"  {account.username:<12} {account.password}  {roles} ({account.display_name})")
    return district
