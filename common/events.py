"""The event envelope, and the machinery for typed event contracts.

An event travels from the producing service's outbox to the queue of every
service that consumes it. Its envelope is
``{"id", "type", "version", "occurred_at", "subject", "data"}``; ``version``
is absent from envelopes written before versions existed and then means 1.

The contracts themselves (one class per event type and version) live in
``suite.events``; where each type goes lives in the suite manifest
(``suite.APPS``). This module knows neither: it only says what a contract is
and how one is written to and read from an envelope's ``data``.
"""

from __future__ import annotations

import dataclasses
import types
import typing
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, ClassVar, Self, TypeVar


@dataclass(frozen=True)
class Event:
    id: uuid.UUID
    type: str
    occurred_at: datetime
    subject: str
    data: dict[str, Any]
    version: int = 1

    @classmethod
    def new(
        cls, type: str, subject: str | uuid.UUID, data: dict[str, Any], version: int = 1
    ) -> Event:
        return cls(uuid.uuid4(), type, datetime.now(UTC), str(subject), data, version)

    def envelope(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "type": self.type,
            "version": self.version,
            "occurred_at": self.occurred_at.isoformat().replace("+00:00", "Z"),
            "subject": self.subject,
            "data": self.data,
        }

    @classmethod
    def from_envelope(cls, envelope: Any) -> Event:
        """Read an envelope; ``BadEnvelope`` when it is not one."""
        try:
            occurred = datetime.fromisoformat(str(envelope["occurred_at"]).replace("Z", "+00:00"))
            if occurred.tzinfo is None:
                occurred = occurred.replace(tzinfo=UTC)
            version = envelope.get("version", 1)
            if type(version) is not int:
                raise ValueError("version is not an integer")
            data = envelope.get("data") or {}
            if not isinstance(data, Mapping):
                raise ValueError("data is not an object")
            return cls(
                uuid.UUID(str(envelope["id"])),
                str(envelope["type"]),
                occurred,
                str(envelope.get("subject") or ""),
                dict(data),
                version,
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BadEnvelope(f"malformed envelope: {exc!r}") from exc


class BadEnvelope(ValueError):
    """Not an event envelope at all."""


class BadEventData(ValueError):
    """An envelope whose data does not fit its type's contract."""


class UnknownEvent(ValueError):
    """No contract for this type and version."""


class EventContract:
    """Base of a typed event payload: subclasses are frozen dataclasses.

    ``TYPE`` and ``VERSION`` name the contract. Field types may be ``str``,
    ``int``, ``bool``, ``uuid.UUID``, ``datetime`` (aware), ``date``, a tuple of
    one of those, or any of them ``| None``.
    """

    TYPE: ClassVar[str]
    VERSION: ClassVar[int] = 1

    def to_data(self) -> dict[str, Any]:
        """The JSON-ready ``data`` of the envelope."""
        return {f.name: _dump(getattr(self, f.name)) for f in dataclasses.fields(self)}  # type: ignore[arg-type]

    def event(self, subject: str | uuid.UUID) -> Event:
        """A new envelope carrying this payload about ``subject`` (a member id)."""
        return Event.new(self.TYPE, subject, self.to_data(), self.VERSION)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        """Parse ``data``; ``BadEventData`` naming the first field that does not fit."""
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            present = f.name in data
            if not present and (
                f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
            ):
                continue
            try:
                values[f.name] = _load(hints[f.name], data.get(f.name))
            except (TypeError, ValueError) as exc:
                raise BadEventData(f"{cls.TYPE} v{cls.VERSION}: field {f.name}: {exc}") from exc
        return cls(**values)


Contract = TypeVar("Contract", bound=type[EventContract])


class ContractRegistry:
    """Every contract of the suite, by type and version."""

    def __init__(self) -> None:
        self._contracts: dict[tuple[str, int], type[EventContract]] = {}

    def register(self, contract: Contract) -> Contract:
        key = (contract.TYPE, contract.VERSION)
        if key in self._contracts:
            raise RuntimeError(f"two contracts for {key}")
        self._contracts[key] = contract
        return contract

    def types(self) -> set[str]:
        return {event_type for event_type, _ in self._contracts}

    def contracts(self) -> list[type[EventContract]]:
        return list(self._contracts.values())

    def parse(self, event: Event) -> EventContract:
        """The typed payload of ``event``; ``UnknownEvent`` or ``BadEventData`` otherwise."""
        contract = self._contracts.get((event.type, event.version))
        if contract is None:
            raise UnknownEvent(f"no contract for {event.type} v{event.version}")
        return contract.from_data(event.data)


def _dump(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_dump(item) for item in value]
    return value


def _load(hint: Any, value: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        if value is None:
            return None
        return _load(options[0], value)
    if value is None:
        raise ValueError("missing")
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise TypeError("not a list")
        (item_hint, *_) = typing.get_args(hint)
        return tuple(_load(item_hint, item) for item in value)
    return _load_scalar(hint, value)


def _load_scalar(hint: Any, value: Any) -> Any:
    if hint is bool:
        if type(value) is not bool:
            raise TypeError("not a boolean")
        return value
    if hint is int:
        if type(value) is not int:
            raise TypeError("not an integer")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise TypeError("not a string")
        return value
    if hint is uuid.UUID:
        return uuid.UUID(str(value))
    if hint is datetime:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        if when.tzinfo is None:
            raise ValueError("a time without its offset")
        return when
    if hint is date:
        return date.fromisoformat(str(value))
    raise TypeError(f"unsupported field type {hint!r}")
