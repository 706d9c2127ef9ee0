"""Report photos: check that an upload is an image we accept, and re-encode it clean.

Re-encoding (rather than copying bytes) drops every metadata block a camera
writes, EXIF and its GPS position included, and any payload hidden after the
image data; the orientation EXIF carried is applied to the pixels first.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import ExifTags, Image, UnidentifiedImageError

from common.errors import DomainError, Invalid
from services.volunteers.domain.errors import TooLarge, UnsupportedMedia

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_SIDE = 2048

# EXIF orientation -> the turn that makes the pixels upright (as ImageOps.exif_transpose)
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


@dataclass(frozen=True)
class CleanPhoto:
    data: bytes
    content_type: str
    width: int
    height: int


def _upright(image: Image.Image) -> Image.Image:
    """The image turned by its EXIF orientation. Only that one tag is read: the rest of the
    metadata is thrown away, so a malformed EXIF block (which ImageOps.exif_transpose fails
    to write back) costs at most the orientation, never the photo."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
    except Exception:
        orientation = 1
    method = _UPRIGHT.get(orientation) if isinstance(orientation, int) else None
    return image.transpose(method) if method is not None else image


def clean_photo(raw: bytes, *, max_bytes: int, max_pixels: int) -> CleanPhoto:
    if not raw:
        raise Invalid.field("photo", "The photo is empty.")
    if len(raw) > max_bytes:
        raise TooLarge(
            f"A photo may be at most {max_bytes} bytes.",
            kind="photo-too-large",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as probe:
                image_format = probe.format
                width, height = probe.size
                if image_format not in ACCEPTED_FORMATS:
                    raise UnsupportedMedia(
                        "Photos must be JPEG, PNG or WebP images.",
                        kind="unsupported-photo",
                    )
                if width * height > max_pixels:
                    raise TooLarge(
                        f"A photo may have at most {max_pixels} pixels.",
                        kind="photo-too-large",
                    )
                probe.verify()
            with Image.open(io.BytesIO(raw)) as image:
                image.load()
                clean = _upright(image).convert("RGB")
    except DomainError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow refuses to open what declares too many pixels (before our own check sees it)
        raise TooLarge(
            f"A photo may have at most {max_pixels} pixels.",
            kind="photo-too-large",
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise UnsupportedMedia(
            "The upload is not a readable JPEG, PNG or WebP image.",
            kind="unsupported-photo",
        ) from exc
    clean.thumbnail((MAX_SIDE, MAX_SIDE))
    # a fresh image holds pixels only: nothing of the original's metadata survives
    bare = Image.new("RGB", clean.size)
    bare.paste(clean)
    out = io.BytesIO()
    bare.save(out, format="JPEG", quality=85, optimize=True)
    return CleanPhoto(out.getvalue(), "image/jpeg", bare.width, bare.height)
