"""The gateway: identity, the only public entry, and the forwarder to the services."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import urllib3
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from common.app import build_app
from common.health import Check
from common.settings import ConfigurationError, Settings
from common.tokens import TokenSigner, TokenVerifier
from suite import APPS

# the apps the gateway forwards to: every app of the suite but itself
SERVICES = tuple(each.name for each in APPS if each.name != "gateway")


def _service_check(pool: urllib3.PoolManager, name: str, base_url: str) -> Check:
    def check() -> None:
        response = pool.request("GET", f"{base_url}/readyz", timeout=2.0, retries=False)
        if response.status != 200:
            raise RuntimeError(f"{name} answered {response.status}")

    return check


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    from gateway import cli
    from gateway.api.deletion import blp as deletion_blp
    from gateway.api.identity import blp as identity_blp
    from gateway.api.invites import blp as invites_blp
    from gateway.proxy import ServiceProxy
    from gateway.web import init_app as init_web

    app = build_app(
        "gateway", __name__, config, api_blueprints=[identity_blp, invites_blp, deletion_blp]
    )
    settings: Settings = app.config["SETTINGS"]
    if not settings.jwt_private_key:
        raise ConfigurationError(
            "JWT_PRIVATE_KEY_FILE (or JWT_PRIVATE_KEY) is not set: the gateway signs access tokens"
        )
    app.extensions["token_signer"] = TokenSigner(
        settings.jwt_private_key,
        settings.jwt_issuer,
        settings.jwt_audience,
        settings.access_token_ttl,
    )
    upstreams = {name: settings.service_urls[name] for name in SERVICES}
    health_pool = urllib3.PoolManager(num_pools=4, maxsize=2)
    checks = app.extensions["readiness_checks"]
    for name, base_url in upstreams.items():
        checks[name] = _service_check(health_pool, name, base_url)
    init_web(app)
    verifier: TokenVerifier = app.extensions["token_verifier"]
    app.wsgi_app = ServiceProxy(  # type: ignore[method-assign]
        app.wsgi_app,
        upstreams,
        verifier,
        timeout=settings.upstream_timeout,
        max_body=settings.max_content_length,
    )
    trusted_proxies = int(settings.extra.get("TRUSTED_PROXIES", "0"))
    if trusted_proxies:
        # behind a load balancer every request comes from its address; take the client's
        # from X-Forwarded-For, or the per-address login limit would lock out everyone
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=trusted_proxies, x_proto=trusted_proxies
        )
    cli.init_app(app)
    return app
