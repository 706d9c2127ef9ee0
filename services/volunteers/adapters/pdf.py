"""The service record as a one-file PDF (fpdf2), with the verification QR code drawn in."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import segno
from fpdf import FPDF


def render_record_pdf(
    record: dict[str, Any], words: dict[str, str], font_file: str | None = None
) -> bytes:
    """A4 pages: the holder, issuer, number, totals, entries and the QR code, labelled with
    ``words`` (services/volunteers/api/record_words.py, in the reader's language).

    The PDF core fonts cover Latin-1 only; set PDF_FONT_FILE to a TrueType font
    with the needed glyphs (CJK names, for example) and it is embedded instead.
    """
    pdf = FPDF(format="A4")
    pdf.set_title(f"{words['title']} {record['record_number']}")
    pdf.set_creator("civic-points volunteers")
    if font_file:
        pdf.add_font("record", "", font_file)
        family = "record"

        def text(value: Any) -> str:
            return str(value)
    else:
        family = "helvetica"

        def text(value: Any) -> str:
            return str(value).encode("latin-1", "replace").decode("latin-1")

    pdf.add_page()
    pdf.set_font(family, size=18)
    pdf.cell(0, 10, text(words["title"]), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, size=12)
    issuer = record["issuing_organization"]
    lines = [
        record["holder_name"] or "",
        words["issued_by"].format(issuer=issuer["name"] if issuer else words["the_district"]),
        words["record_number"].format(number=record["record_number"]),
        words["issued"].format(when=record["issued_at"].strftime("%Y-%m-%d %H:%M UTC")),
        words["total"].format(
            hours=f"{record['total_hours']:.2f}",
            minutes=record["total_minutes"],
            entries=record["entry_count"],
        ),
    ]
    for line in lines:
        pdf.cell(120, 7, text(line), new_x="LMARGIN", new_y="NEXT")
    qr = io.BytesIO()
    segno.make(record["verification_url"], error="m").save(qr, kind="png", scale=6, border=2)
    qr.seek(0)
    pdf.image(qr, x=150, y=12, w=45, h=45)
    pdf.set_y(62)
    pdf.set_font(family, size=10)
    _entries_table(pdf, record["entries"], words, text)
    pdf.ln(4)
    pdf.set_font(family, size=8)
    pdf.multi_cell(0, 4, text(words["verify_at"].format(url=record["verification_url"])))
    return bytes(pdf.output())


def _entries_table(
    pdf: FPDF,
    entries: list[dict[str, Any]],
    words: dict[str, str],
    text: Callable[[Any], str],
) -> None:
    widths = (28, 62, 55, 20, 25)
    headers = ("date", "organisation", "activity", "minutes", "approved_by")
    for header, width in zip(headers, widths, strict=True):
        pdf.cell(width, 7, text(words[header]), border="B")
    pdf.ln()
    for entry in entries:
        cells = (
            entry["date"].isoformat(),
            entry["organization_name"],
            entry["activity_title"] or entry["description"],
            str(entry["minutes"]),
            entry["approved_by_name"] or str(entry["approved_by"])[:8],
        )
        for value, width in zip(cells, widths, strict=True):
            pdf.cell(width, 6, text(value)[: int(width / 1.9)])
        pdf.ln()
