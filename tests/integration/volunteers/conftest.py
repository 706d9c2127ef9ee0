"""Fixtures for the volunteers service's API tests (real PostgreSQL and Redis)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.integration.volunteers.helpers import OPEN311_KEY, create_org


@dataclass
class Person:
    id: uuid.UUID
    headers: dict[str, str]


@dataclass
class World:
    """A small district: street > community > grid, a station under the community."""

    street: dict[str, Any]
    community: dict[str, Any]
    grid: dict[str, Any]
    other_community: dict[str, Any]
    station: dict[str, Any]
    admin: Person
    coordinator: Person  # of the community (and so of the grid and the station)
    grid_coordinator: Person  # of the grid only
    outsider: Person  # a coordinator of the other community
    member: Person
    rider: Person


@pytest.fixture
def uploads(volunteers_app, monkeypatch, tmp_path):
    cfg = volunteers_app.extensions["volunteers_config"]
    monkeypatch.setitem(
        volunteers_app.extensions,
        "volunteers_config",
        dataclasses.replace(cfg, upload_dir=tmp_path),
    )
    return tmp_path


@pytest.fixture
def open311_keys(uploads, volunteers_app, monkeypatch):
    """The app with one Open311 api_key (``OPEN311_KEY``) and photos in a temporary folder."""
    cfg = volunteers_app.extensions["volunteers_config"]
    keyed = dataclasses.replace(cfg, open311_api_keys=(OPEN311_KEY,))
    monkeypatch.setitem(volunteers_app.extensions, "volunteers_config", keyed)
    return OPEN311_KEY


@pytest.fixture
def client(volunteers_app):
    return volunteers_app.test_client()


@pytest.fixture
def person(auth_header) -> Callable[..., Person]:
    def make(roles=("member",), orgs=(), username="someone") -> Person:
        user_id = uuid.uuid4()
        return Person(
            user_id,
            auth_header(roles=list(roles), orgs=list(orgs), user_id=user_id, username=username),
        )

    return make


@pytest.fixture
def world(client, person) -> World:
    admin = person(roles=["admin"], username="admin")
    street = create_org(client, admin.headers, name="Elm Street", kind="street")
    community = create_org(
        client,
        admin.headers,
        name="Elm Community",
        kind="community",
        parent_id=street["id"],
        lat=31.2304,
        lng=121.4737,
        radius_m=800,
    )
    grid = create_org(client, admin.headers, name="Grid 7", kind="grid", parent_id=community["id"])
    other = create_org(
        client,
        admin.headers,
        name="Oak Community",
        kind="community",
        parent_id=street["id"],
        lat=31.30,
        lng=121.50,
        radius_m=500,
    )
    station = create_org(
        client,
        admin.headers,
        name="Elm Service Station",
        kind="station",
        parent_id=community["id"],
        lat=31.2310,
        lng=121.4740,
        radius_m=100,
    )
    return World(
        street=street,
        community=community,
        grid=grid,
        other_community=other,
        station=station,
        admin=admin,
        coordinator=person(
            roles=["member", "coordinator"], orgs=[uuid.UUID(community["id"])], username="cora"
        ),
        grid_coordinator=person(
            roles=["member", "coordinator"], orgs=[uuid.UUID(grid["id"])], username="gina"
        ),
        outsider=person(
            roles=["member", "coordinator"], orgs=[uuid.UUID(other["id"])], username="otto"
        ),
        member=person(roles=["member"], username="mia"),
        rider=person(roles=["member", "rider"], username="rick"),
    )
