"""Housekeeping jobs and the published OpenAPI document."""

from __future__ import annotations

import os
import time
from datetime import timedelta

import sqlalchemy as sa

from common.scheduler import collect_jobs
from services.volunteers.usecases import photos
from tests.integration.volunteers.helpers import engine_for, jpeg_with_gps, report, upload


def test_orphaned_photo_files_are_swept(client, world, uploads, volunteers_app):
    rid = report(client, world.rider).json["id"]
    assert upload(client, world.rider, rid, jpeg_with_gps()).status_code == 201
    with engine_for("volunteers").connect() as connection:
        kept_key = connection.execute(sa.text("SELECT storage_key FROM report_photos")).scalar_one()
    kept = uploads / kept_key
    orphan = uploads / "reports" / "ff" / "orphan.jpg"
    fresh_orphan = uploads / "reports" / "ff" / "fresh.jpg.part"
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"x")
    fresh_orphan.write_bytes(b"y")
    hour_ago = time.time() - 7200
    os.utime(orphan, (hour_ago, hour_ago))
    os.utime(kept, (hour_ago, hour_ago))

    with volunteers_app.app_context():
        from common.app import session

        removed = photos.sweep_orphan_photos(session(), uploads, timedelta(hours=1))
    assert removed == 1
    assert kept.exists() and fresh_orphan.exists() and not orphan.exists()


def test_the_sweep_is_scheduled():
    jobs = {job.func: job for job in collect_jobs()}
    job = jobs["services.volunteers.jobs.sweep_orphan_photos"]
    assert job.queue == "volunteers" and job.every == 3600


def test_openapi_documents_every_view_with_a_summary(client):
    response = client.get("/api/v1/docs/volunteers/openapi.json")
    assert response.status_code == 200
    paths = response.json["paths"]
    for path in (
        "/api/v1/hours/{hours_id}/approve",
        "/api/v1/reports/{report_id}/photos",
        "/api/v1/checkins",
        "/api/v1/me/service-record",
        "/api/v1/service-records/{record_number}/verification",
        "/open311/v2/requests.{fmt}",
    ):
        assert path in paths, path
    for path, operations in paths.items():
        for method, operation in operations.items():
            if method in ("get", "post", "put", "delete"):
                assert operation.get("summary"), f"{method.upper()} {path}"
    photo_body = paths["/api/v1/reports/{report_id}/photos"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in photo_body
