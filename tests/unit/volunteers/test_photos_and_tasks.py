"""Photo cleaning (Pillow, in memory) and the task state machine."""

from __future__ import annotations

import io

import pytest
from PIL import ExifTags, Image

from common.errors import Conflict, DomainError
from services.volunteers.domain.errors import TooLarge
from services.volunteers.domain.photos import clean_photo
from services.volunteers.domain.tasks import next_status


def jpeg(size=(300, 200), exif: Image.Exif | None = None) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 200, 10)).save(out, format="JPEG", exif=exif or Image.Exif())
    return out.getvalue()


def test_exif_and_gps_are_gone_and_orientation_is_applied():
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 8
    exif[ExifTags.Base.Artist] = "Rider 4471"
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] = (31.0, 13.0, 49.0)
    cleaned = clean_photo(jpeg(exif=exif), max_bytes=10**6, max_pixels=10**7)
    assert (cleaned.width, cleaned.height) == (200, 300)
    assert b"Rider 4471" not in cleaned.data and b"Exif" not in cleaned.data
    with Image.open(io.BytesIO(cleaned.data)) as image:
        assert len(image.getexif()) == 0


def test_large_images_are_scaled_down():
    cleaned = clean_photo(jpeg(size=(4000, 1000)), max_bytes=10**7, max_pixels=10**8)
    assert max(cleaned.width, cleaned.height) == 2048


def test_trailing_payload_is_dropped():
    cleaned = clean_photo(jpeg() + b"<?php evil(); ?>", max_bytes=10**6, max_pixels=10**7)
    assert b"evil" not in cleaned.data


@pytest.mark.parametrize(
    ("data", "kind", "limits"),
    [
        (b"", "validation-error", {}),
        (b"GIF89a" + b"\x00" * 50, "unsupported-photo", {}),
        (b"%PDF-1.4 hello", "unsupported-photo", {}),
        (jpeg(), "photo-too-large", {"max_bytes": 100}),
        (jpeg(size=(400, 400)), "photo-too-large", {"max_pixels": 1000}),
    ],
)
def test_refusals(data, kind, limits):
    with pytest.raises(DomainError) as info:
        clean_photo(data, **{"max_bytes": 10**6, "max_pixels": 10**7, **limits})
    assert info.value.kind == kind


def test_task_states():
    assert next_status("open", "claim") == "claimed"
    assert next_status("claimed", "finish") == "done"
    assert next_status("done", "confirm") == "confirmed"
    assert next_status("claimed", "release") == "open"
    for status, action in (("open", "confirm"), ("confirmed", "confirm"), ("done", "claim")):
        with pytest.raises(Conflict) as info:
            next_status(status, action)
        assert info.value.kind == "wrong-state"


def test_a_photo_with_a_mistyped_exif_tag_is_cleaned_not_crashed():
    # a camera wrote Make (ASCII) under the id of WhitePoint (a RATIONAL): Pillow reads it,
    # but cannot write that EXIF back, so re-serialising the metadata must not be needed
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "SpyCam"
    data = jpeg(size=(30, 20), exif=exif)
    assert data.count(b"\x01\x0f\x00\x02") == 1  # Make, ASCII (big-endian entry)
    broken = data.replace(b"\x01\x0f\x00\x02", b"\x01\x3e\x00\x02")  # now WhitePoint
    cleaned = clean_photo(broken, max_bytes=10**6, max_pixels=10**7)
    assert (cleaned.width, cleaned.height) == (20, 30)  # orientation still applied
    assert b"SpyCam" not in cleaned.data and b"Exif" not in cleaned.data


@pytest.mark.parametrize("side", [10_000, 20_000])  # Pillow's bomb warning, then its error
def test_a_decompression_bomb_is_too_large_not_unsupported(side):
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, format="PNG")  # a few kB, 100 or 400 megapixels
    with pytest.raises(TooLarge) as info:
        clean_photo(out.getvalue(), max_bytes=10**6, max_pixels=40_000_000)
    assert info.value.kind == "photo-too-large"


@pytest.mark.parametrize(
    ("current", "action", "word"),
    [
        ("done", "release", "released"),
        ("done", "cancel", "cancelled"),
        ("open", "finish", "finished"),
    ],
)
def test_task_wrong_state_messages_read_right(current, action, word):
    with pytest.raises(Conflict) as info:
        next_status(current, action)
    assert f"cannot be {word};" in info.value.detail
