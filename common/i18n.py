"""One translation catalogue for every page and every problem message.

The catalogue is ``common/translations/<locale>/LC_MESSAGES/messages.po``; it is read
and compiled in memory when first needed, so a fresh clone needs no build step and a
stale ``.mo`` can never be served. The message ids are the English texts, so English
needs no catalogue at all.

Pages default to Chinese (``PAGE_DEFAULT``); the API keeps answering in English unless
``Accept-Language`` prefers Chinese, so that today's clients see today's words.
"""

from __future__ import annotations

import functools
import gettext
from io import BytesIO
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

CATALOGUE_DIR = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"
LOCALES = ("zh_CN", "en")
PAGE_DEFAULT = "zh_CN"
API_DEFAULT = "en"
# the tag a page declares in <html lang> and the API in Content-Language
LANGUAGE_TAGS = {"zh_CN": "zh-CN", "en": "en"}


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark only"
    """Mark a string for the catalogue without translating it here."""
    return message


@functools.cache
def translations(locale: str) -> gettext.NullTranslations:
    """The catalogue of ``locale`` (English and unknown locales: the identity)."""
    path = CATALOGUE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if locale == "en" or not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=locale)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    loaded: gettext.NullTranslations = Translations(fp=compiled, domain=DOMAIN)
    return loaded


def _parse_accept_language(header: str) -> list[tuple[float, str]]:
    ranked: list[tuple[float, str]] = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        if not tag:
            continue
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        # stable: equal qualities keep the order the client sent
        ranked.append((-quality + position * 1e-6, tag.strip()))
    return sorted(ranked)


def _supported(tag: str) -> str | None:
    if tag == "*":
        return None
    try:
        locale = Locale.parse(tag.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return None
    if locale.language == "zh":
        return "zh_CN"
    if locale.language == "en":
        return "en"
    return None


def negotiate(accept_language: str | None, default: str) -> str:
    """The supported locale the ``Accept-Language`` header prefers, else ``default``."""
    for rank, tag in _parse_accept_language(accept_language or ""):
        if rank >= 0:  # q=0 means "not this one"
            break
        found = _supported(tag)
        if found:
            return found
    return default


def translate(message: str, locale: str) -> str:
    return translations(locale).gettext(message)


def has_translation(message: str, locale: str) -> bool:
    """Whether the catalogue of ``locale`` knows ``message`` (English knows everything)."""
    return locale == "en" or translations(locale).gettext(message) != message
