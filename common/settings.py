"""Settings read from the environment, with defaults that run on one machine.

The run command (``common.devstack``) writes the addresses of the servers it
started to ``var/runtime.env``; processes started from the project root read
that file for any variable the environment does not set, so that
``flask --app gateway create-user`` finds the running suite's databases.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from suite import WEB_PORTS

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# where `make run` keeps its servers' data, keys and runtime.env (tests point it elsewhere)
VAR_DIR = Path(os.environ.get("CIVIC_VAR_DIR") or PROJECT_ROOT / "var")
RUNTIME_ENV_FILE = VAR_DIR / "runtime.env"

SERVICE_PORTS = WEB_PORTS  # app name -> default port, from the suite manifest


class ConfigurationError(RuntimeError):
    """A required setting is missing or malformed."""


def read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if not path.exists():
        return values
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, _, value = line.partition("=")
        values[name.strip()] = value.strip()
    return values


def environment() -> dict[str, str]:
    """The process environment over the run command's runtime file."""
    merged = read_env_file(RUNTIME_ENV_FILE)
    merged.update(os.environ)
    return merged


def database_url_for(server_url: str, database: str) -> str:
    """The URL of ``database`` on the server that ``server_url`` names.

    One PostgreSQL server holds one database per service; DATABASE_URL names
    the server (its own path is ignored) and each service appends its name.
    """
    parts = urlsplit(server_url)
    scheme = parts.scheme
    if scheme in ("postgres", "postgresql"):
        scheme = "postgresql+psycopg"
    return urlunsplit((scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


@dataclass(frozen=True)
class Settings:
    service: str
    database_url: str
    redis_url: str
    jwt_public_key: str
    jwt_private_key: str | None = None
    jwt_issuer: str = "civic-gateway"
    jwt_audience: str = "civic"
    access_token_ttl: int = 900
    refresh_token_ttl: int = 30 * 24 * 3600
    internal_api_token: str = ""
    max_content_length: int = 1024 * 1024
    service_urls: Mapping[str, str] = field(default_factory=dict)
    upstream_timeout: float = 10.0
    log_level: str = "INFO"
    # every "day" and "month" of the suite (caps, check-ins, leaderboards, rounds)
    district_timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, service: str, overrides: Mapping[str, object] | None = None) -> Settings:
        env = environment()
        if overrides:
            env.update({k: str(v) for k, v in overrides.items() if v is not None})

        def required(name: str) -> str:
            value = env.get(name, "").strip()
            if not value:
                raise ConfigurationError(
                    f"{name} is not set: run the suite with `make run`, or export {name} "
                    "(see README.md, 'Configuration')"
                )
            return value

        def read_key(name: str) -> str:
            inline = env.get(name, "").strip()
            if inline:
                return inline.replace("\\n", "\n")
            path = env.get(name + "_FILE", "").strip()
            if path:
                try:
                    return Path(path).read_text()
                except OSError as exc:
                    raise ConfigurationError(f"{name}_FILE={path} cannot be read: {exc}") from exc
            return ""

        server = required("DATABASE_URL")
        prefix = env.get("DB_PREFIX", "civic_")
        database_url = env.get(f"{service.upper()}_DATABASE_URL") or database_url_for(
            server, prefix + service
        )
        public_key = read_key("JWT_PUBLIC_KEY")
        if not public_key:
            raise ConfigurationError(
                "JWT_PUBLIC_KEY_FILE (or JWT_PUBLIC_KEY) is not set: every process verifies "
                "access tokens itself; `make run` generates a key pair under var/keys/"
            )
        service_urls = {
            name: env.get(f"{name.upper()}_URL", f"http://127.0.0.1:{port}")
            for name, port in SERVICE_PORTS.items()
        }
        return cls(
            service=service,
            database_url=database_url,
            redis_url=required("REDIS_URL"),
            jwt_public_key=public_key,
            jwt_private_key=read_key("JWT_PRIVATE_KEY") or None,
            access_token_ttl=int(env.get("ACCESS_TOKEN_TTL", "900")),
            refresh_token_ttl=int(env.get("REFRESH_TOKEN_TTL", str(30 * 24 * 3600))),
            internal_api_token=read_key("INTERNAL_API_TOKEN").strip(),
            max_content_length=int(env.get("MAX_CONTENT_LENGTH", str(1024 * 1024))),
            service_urls=service_urls,
            upstream_timeout=float(env.get("UPSTREAM_TIMEOUT", "10")),
            log_level=env.get("LOG_LEVEL", "INFO"),
            district_timezone=_zone(env.get("DISTRICT_TIMEZONE", "Asia/Shanghai")),
            extra=env,
        )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigurationError(
            f"DISTRICT_TIMEZONE={name!r} is not a time zone name (such as Asia/Shanghai)"
        ) from exc
