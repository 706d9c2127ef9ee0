"""The words of the service record as a person reads it: the printable page, the PDF and
the public verification page, in the catalogue's languages (common/i18n.py).

Chinese unless the reader's Accept-Language asks for English. The PDF is Chinese only
when a font with CJK glyphs is configured (PDF_FONT_FILE): the PDF core fonts have none,
and a record of question marks helps nobody, so without one it is printed in English.
"""

from __future__ import annotations

from flask import request

from common.i18n import N_, PAGE_DEFAULT, negotiate, translate

WORDS = {
    "title": N_("Volunteer service record"),
    "issued_by": N_("Issued by {issuer}"),
    "the_district": N_("the district"),
    "record_number": N_("Record number {number}"),
    "issued": N_("Issued {when}"),
    "total": N_("Total {hours} hours ({minutes} minutes in {entries} approved entries)"),
    "scan": N_("Scan to verify"),
    "date": N_("Date"),
    "organisation": N_("Organisation"),
    "activity": N_("Activity"),
    "minutes": N_("Minutes"),
    "approved_by": N_("Approved by"),
    "verify_at": N_("Verify at {url}"),
    "print": N_("Print"),
    "genuine": N_("Service record {number} is genuine"),
    "issued_to": N_("Issued to {holder}."),
    "verified_totals": N_(
        "{hours} hours ({minutes} minutes) in {entries} approved entries, as issued on {date}."
    ),
}


def reader_locale(*, can_print_chinese: bool = True) -> str:
    """The locale the request's reader asked for, Chinese first; English when Chinese
    cannot be printed."""
    locale = negotiate(request.headers.get("Accept-Language"), PAGE_DEFAULT)
    return locale if can_print_chinese else "en"


def words(locale: str) -> dict[str, str]:
    return {key: translate(message, locale) for key, message in WORDS.items()}
