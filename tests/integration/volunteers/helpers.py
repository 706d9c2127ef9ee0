"""What the volunteers' API tests share: calls that set the scene, and reads of the outbox.

No tests here; test modules import these (and never one another).
"""

from __future__ import annotations

import dataclasses
import io
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from PIL import ExifTags, Image

from common.events import Event
from services.volunteers.config import FlagLimits
from suite.events import CONTRACTS
from tests.helpers.databases import engine_for


def create_org(client, admin_headers, **body) -> dict[str, Any]:
    response = client.post("/api/v1/organizations", json=body, headers=admin_headers)
    assert response.status_code == 201, response.json
    return response.json


def outbox_events(event_type: str | None = None) -> list[dict[str, Any]]:
    query = "SELECT id, type, version, subject, occurred_at, data FROM outbox"
    params: dict[str, Any] = {}
    if event_type:
        query += " WHERE type = :type"
        params["type"] = event_type
    with engine_for("volunteers").connect() as connection:
        rows = connection.execute(sa.text(query + " ORDER BY position"), params).mappings().all()
    return [dict(row) for row in rows]


def contracts_in_outbox(event_type: str) -> list[Any]:
    """The outbox's events of ``event_type``, read through their contracts (``suite.events``);
    each one's subject is checked to be the member it is about."""
    parsed = []
    for row in outbox_events(event_type):
        event = Event(
            row["id"], row["type"], row["occurred_at"], row["subject"], row["data"], row["version"]
        )
        contract = CONTRACTS.parse(event)
        assert event.subject == str(contract.member_id)  # type: ignore[attr-defined]
        parsed.append(contract)
    return parsed


def run_together(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released by one barrier; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    if errors:
        raise errors[0]
    return results


def iso(moment: datetime) -> str:
    return moment.isoformat()


def log(client, who, org_id, start, minutes=120, **extra):
    body = {
        "organization_id": org_id,
        "started_at": iso(start),
        "ended_at": iso(start + timedelta(minutes=minutes)),
        "description": "elder visit",
        **extra,
    }
    return client.post("/api/v1/hours", json=body, headers=who.headers)


def two_hours_ago() -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)


LAT, LNG = 31.2304, 121.4737  # inside Elm Community
OPEN311_KEY = "city-case-system-key"


def report(client, who, category="broken_street_light", lat=LAT, lng=LNG, **extra):
    body = {
        "category": category,
        "description": "the lamp is out",
        "lat": lat,
        "lng": lng,
        "address": "12 Elm Street",
        **extra,
    }
    return client.post("/api/v1/reports", json=body, headers=who.headers)


def act(client, who, report_id, action, **body):
    return client.post(f"/api/v1/reports/{report_id}/{action}", json=body, headers=who.headers)


AT_STATION = {"lat": 31.2311, "lng": 121.4741}  # about 15 m from the station


def current_code(client, world) -> dict:
    response = client.get(
        f"/api/v1/stations/{world.station['id']}/code", headers=world.coordinator.headers
    )
    assert response.status_code == 200, response.json
    return response.json


def check_in(client, who, station_id, code, position=AT_STATION):
    return client.post(
        "/api/v1/checkins",
        json={"station_id": station_id, "code": code, **position},
        headers=who.headers,
    )


def jpeg_with_gps(size=(640, 480)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SpyCam"
    exif[ExifTags.Base.Model] = "X1"
    exif[ExifTags.Base.Orientation] = 6  # rotated: the stored pixels must be upright
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (31.0, 13.0, 49.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (121.0, 28.0, 25.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    data = out.getvalue()
    assert b"SpyCam" in data and Image.open(io.BytesIO(data)).getexif().get_ifd(
        ExifTags.IFD.GPSInfo
    )
    return data


def upload(client, who, report_id, data: bytes, name="photo.jpg", field="photo"):
    return client.post(
        f"/api/v1/reports/{report_id}/photos",
        data={field: (io.BytesIO(data), name)},
        headers=who.headers,
        content_type="multipart/form-data",
    )


def flags(client, world, **query) -> list[dict[str, Any]]:
    """The flags an admin sees (``GET /api/v1/flags``), narrowed by ``query``."""
    response = client.get("/api/v1/flags", query_string=query, headers=world.admin.headers)
    assert response.status_code == 200, response.json
    return response.json["items"]


def with_flag_limits(volunteers_app, monkeypatch, **limits) -> None:
    """The app's flag thresholds changed (for one test) to ``limits``."""
    cfg = volunteers_app.extensions["volunteers_config"]
    changed = dataclasses.replace(cfg, flags=dataclasses.replace(FlagLimits(), **limits))
    monkeypatch.setitem(volunteers_app.extensions, "volunteers_config", changed)
