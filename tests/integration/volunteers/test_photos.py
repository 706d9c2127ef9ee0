"""Report photos: type and size checked, re-encoded without EXIF, stored on disk, at most three."""

from __future__ import annotations

import dataclasses
import io
import uuid

import sqlalchemy as sa
from PIL import Image

from tests.integration.volunteers.helpers import engine_for, jpeg_with_gps, report, upload


def test_stored_photo_has_no_exif_left(client, world, uploads):
    rid = report(client, world.rider).json["id"]
    response = upload(client, world.rider, rid, jpeg_with_gps())
    assert response.status_code == 201, response.json
    photo = response.json
    assert photo["content_type"] == "image/jpeg"
    assert (photo["width"], photo["height"]) == (480, 640)  # orientation applied

    with engine_for("volunteers").connect() as connection:
        key = connection.execute(
            sa.text("SELECT storage_key FROM report_photos WHERE id = :id"), {"id": photo["id"]}
        ).scalar_one()
    stored = (uploads / key).read_bytes()
    assert b"Exif" not in stored and b"SpyCam" not in stored
    reopened = Image.open(io.BytesIO(stored))
    assert reopened.format == "JPEG"
    assert len(reopened.getexif()) == 0
    assert "exif" not in reopened.info

    served = client.get(photo["url"], headers=world.rider.headers)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.data == stored
    assert client.get(photo["url"], headers=world.coordinator.headers).status_code == 200
    assert client.get(photo["url"], headers=world.member.headers).status_code == 403
    listed = client.get(f"/api/v1/reports/{rid}", headers=world.rider.headers).json
    assert [p["id"] for p in listed["photos"]] == [photo["id"]]


def test_png_is_accepted_and_re_encoded(client, world, uploads):
    rid = report(client, world.rider).json["id"]
    out = io.BytesIO()
    Image.new("RGBA", (50, 40), (0, 0, 255, 128)).save(out, format="PNG")
    response = upload(client, world.rider, rid, out.getvalue(), name="x.png")
    assert response.status_code == 201
    assert response.json["content_type"] == "image/jpeg"


def test_not_an_image_too_large_and_wrong_type_are_refused(client, world, uploads, volunteers_app):
    rid = report(client, world.rider).json["id"]
    fake = upload(client, world.rider, rid, b"MZ\x90\x00 definitely not a photo", name="a.jpg")
    assert fake.status_code == 415
    assert fake.json["type"].endswith("/unsupported-photo")
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, format="GIF")
    assert upload(client, world.rider, rid, gif.getvalue(), name="a.gif").status_code == 415
    truncated = jpeg_with_gps()[:300]
    assert upload(client, world.rider, rid, truncated).status_code == 415

    cfg = volunteers_app.extensions["volunteers_config"]
    volunteers_app.extensions["volunteers_config"] = dataclasses.replace(cfg, photo_max_bytes=1000)
    try:
        big = upload(client, world.rider, rid, jpeg_with_gps())
    finally:
        volunteers_app.extensions["volunteers_config"] = cfg
    assert big.status_code == 413
    assert big.json["type"].endswith("/photo-too-large")
    missing = upload(client, world.rider, rid, jpeg_with_gps(), field="picture")
    assert missing.status_code == 422 and "photo" in missing.json["errors"]
    assert list(uploads.rglob("*.jpg")) == []


def test_three_photos_at_most_and_only_by_the_reporter(client, world, uploads):
    rid = report(client, world.rider).json["id"]
    assert upload(client, world.member, rid, jpeg_with_gps()).status_code == 403
    for _ in range(3):
        assert upload(client, world.rider, rid, jpeg_with_gps()).status_code == 201
    fourth = upload(client, world.rider, rid, jpeg_with_gps())
    assert fourth.status_code == 409
    assert fourth.json["type"].endswith("/photo-limit")
    assert len(list(uploads.rglob("*.jpg"))) == 3
    assert upload(client, world.rider, uuid.uuid4(), jpeg_with_gps()).status_code == 404
