"""A code as a QR code in SVG (segno), for a phone screen or paper (vouchers, invites)."""

from __future__ import annotations

import io

import segno


def qr_svg(text: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="svg", scale=8, border=2, xmldecl=True)
    return buffer.getvalue()
