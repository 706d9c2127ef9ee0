"""Consumers for the relay's tests (importable by dotted path, as rq needs)."""

from __future__ import annotations

from typing import Any


def always_fails(envelopes: list[dict[str, Any]]) -> None:
    raise RuntimeError("the consumer's database is away")
