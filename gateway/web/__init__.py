"""The web app: pages in Chinese (English by a remembered switch) served by the gateway.

Read docs/web.md for the conventions (where a page goes, how it calls the API, how its
strings are translated, how its browser test is written).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, g, request, send_from_directory
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import NotFound

from common.i18n import LANGUAGE_TAGS, LOCALES, PAGE_DEFAULT, negotiate, translations
from common.problems import http_exception_to_problem, problem_response
from common.settings import Settings
from gateway.web.security import csrf_token, secure_headers
from gateway.web.session import RedisSessionInterface

LANGUAGE_COOKIE = "lang"
# /assets, not /static: the app keeps a /static route of its own, which would win
core = Blueprint(
    "web", __name__, template_folder="templates", static_folder="static", static_url_path="/assets"
)


@core.get("/sw.js")
def service_worker() -> ResponseReturnValue:
    """The service worker, served from the root so that its scope is every page."""
    response = send_from_directory(core.static_folder or "static", "sw.js", max_age=0)
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@core.get("/favicon.ico")
def favicon() -> ResponseReturnValue:
    """Browsers ask for it on pages that name none (a problem answer): nothing, quietly."""
    return "", 204, {"Cache-Control": "public, max-age=86400"}


def _not_found(exc: NotFound) -> ResponseReturnValue:
    """A page address that does not exist is a page with a way home; the API's stay problems."""
    if request.path.startswith(("/api/", "/open311")) or not request.accept_mimetypes.accept_html:
        return problem_response(http_exception_to_problem(exc))
    from gateway.web.pages import render

    return render("error.html", status=404, description=""), 404


def page_locale() -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LOCALES:
        return str(chosen)
    return negotiate(request.headers.get("Accept-Language"), PAGE_DEFAULT)


def _choose_locale() -> None:
    g.locale = page_locale()
    g.language_tag = LANGUAGE_TAGS[g.locale]


def gettext(message: str, **values: Any) -> str:
    """Translate ``message`` into the page's language (``%(name)s`` takes ``values``)."""
    text = translations(g.get("locale", PAGE_DEFAULT)).gettext(message)
    return text % values if values else text


def ngettext(singular: str, plural: str, n: int, **values: Any) -> str:
    text = translations(g.get("locale", PAGE_DEFAULT)).ngettext(singular, plural, n)
    return text % {"num": n, **values}


def _compress(app: Flask) -> None:
    """Pages, sheets and scripts compressed for a phone on a weak signal (the forwarded API
    answers go around Flask and are left as the services send them)."""
    from flask_compress import Compress

    app.config.setdefault(
        "COMPRESS_MIMETYPES",
        [
            "text/html",
            "text/css",
            "text/javascript",
            "application/javascript",
            "application/json",
            "application/manifest+json",
            "image/svg+xml",
            "text/csv",
        ],
    )
    # gzip and brotli: what every phone's browser takes
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "gzip"])
    Compress(app)
    # runs before Compress's hook (Flask runs them last registered first)
    app.after_request(_read_files_whole)


def _read_files_whole(response: Response) -> Response:
    """A file the suite ships (a sheet, a script) is read whole before it is compressed:
    Flask-Compress's streaming path would drop the file's close."""
    if response.direct_passthrough and (response.mimetype or "").startswith(
        ("text/", "application/")
    ):
        response.direct_passthrough = False
        response.make_sequence()  # reads the file and closes it when the answer is done
    return response


def init_app(app: Flask) -> None:
    """Register the pages on the gateway app (called by ``gateway.create_app``)."""
    from gateway.web.formatting import FILTERS
    from gateway.web.views import BLUEPRINTS

    settings: Settings = app.config["SETTINGS"]
    app.config.setdefault(
        "SESSION_COOKIE_SECURE",
        settings.extra.get("SESSION_COOKIE_SECURE", "").lower() in ("1", "true", "yes"),
    )
    app.session_interface = RedisSessionInterface(
        app.extensions["redis"], settings.refresh_token_ttl
    )
    _compress(app)
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda message: gettext(message),
        ngettext=lambda s, p, n: translations(g.get("locale", PAGE_DEFAULT)).ngettext(s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.filters.update(FILTERS)
    app.before_request(_choose_locale)
    app.after_request(secure_headers)
    app.register_error_handler(NotFound, _not_found)
    app.register_blueprint(core)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
