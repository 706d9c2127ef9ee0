"""The environment a test session or a benchmark runs the suite in.

Each gets its own token keys and its own Redis database number. The number is claimed in
Redis itself (``civic:test-session:<n>``), so that test sessions and benchmarks running at
once on one machine never share a database.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from pathlib import Path

from redis import Redis

from common.tokens import TokenSigner, generate_key_pair

CLAIM_KEY = "civic:test-session:{}"


def redis_db_url(base_url: str, number: int) -> str:
    """``base_url`` (TCP or the embedded Unix socket) pointed at database ``number``."""
    stem = base_url.split("?")[0].rstrip("/")
    if stem.startswith("unix://"):
        return f"{stem}?db={number}"
    stem = stem.rsplit("/", 1)[0] if stem.count("/") > 2 else stem
    return f"{stem}/{number}"


def claim_redis_db(base_url: str, owner: str, numbers: Iterable[int]) -> tuple[str, int] | None:
    """The first free number of ``numbers``, claimed for an hour and emptied; None if none."""
    base = Redis.from_url(base_url, socket_connect_timeout=3)
    for number in numbers:
        if base.set(CLAIM_KEY.format(number), owner, nx=True, ex=3600):
            url = redis_db_url(base_url, number)
            Redis.from_url(url).flushdb()
            return url, number
    return None


def release_redis_db(base_url: str, number: int) -> None:
    Redis.from_url(base_url).delete(CLAIM_KEY.format(number))


def suite_environment(keys_dir: Path, prefix: str) -> tuple[TokenSigner, dict[str, str]]:
    """Fresh token keys written to ``keys_dir`` and the variables that make the suite use
    them and the databases named ``<prefix><app>``; with a signer for making tokens."""
    keys_dir.mkdir(parents=True, exist_ok=True)
    private_pem, public_pem = generate_key_pair()
    (keys_dir / "private.pem").write_text(private_pem)
    (keys_dir / "public.pem").write_text(public_pem)
    env = {
        "DB_PREFIX": prefix,
        "JWT_PRIVATE_KEY_FILE": str(keys_dir / "private.pem"),
        "JWT_PUBLIC_KEY_FILE": str(keys_dir / "public.pem"),
        "INTERNAL_API_TOKEN": secrets.token_urlsafe(24),
        "LOG_LEVEL": "WARNING",
    }
    return TokenSigner(private_pem, "civic-gateway", "civic", 3600), env
