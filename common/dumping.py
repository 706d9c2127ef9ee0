"""Hot answers dumped without a marshmallow round, to the same JSON.

marshmallow's ``Schema.dump`` walks each field through its generic machinery; for a page
of twenty transactions that is most of what the view costs (docs/performance.md). For a
schema made only of plain fields (integers, strings, UUIDs, ISO times, booleans, raw
values, and nested or listed schemas of the same), ``dumper(schema)`` generates one
function for the schema, a few lines per field, that gives the same output. A schema with
anything else (``data_key``, ``attribute``, ``load_only``, methods, formats, custom fields,
a field named like a keyword) is dumped by marshmallow as before, so using ``answer()`` is
always safe; ``tests/unit/common/test_dumping.py`` holds the two equal on the hot schemas,
and ``answer()``'s bytes equal to what Flask writes.

The view keeps its ``@blp.response(status, Schema)`` (the OpenAPI document is unchanged)
and returns ``answer(Schema, result)``: flask-smorest passes a ``Response`` through.
"""

from __future__ import annotations

import json
import keyword
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from flask import Response, current_app
from flask.json.provider import DefaultJSONProvider
from marshmallow import Schema, fields

Dump = Callable[[Any], Any]

_PLAIN: dict[type[fields.Field[Any]], Dump] = {
    fields.Integer: int,
    fields.String: str,
    fields.UUID: str,
    fields.Boolean: bool,
    fields.Float: float,
    fields.Raw: lambda value: value,
}
_cache: dict[type[Schema], Callable[[Any], dict[str, Any]] | None] = {}


def _value(field: fields.Field[Any]) -> Dump | None:
    """How one field dumps a present, non-None value; None when it is not a plain field."""
    if field.data_key is not None or field.attribute is not None or field.load_only:
        return None
    kind = type(field)
    if kind in _PLAIN:
        return _PLAIN[kind]
    if kind is fields.DateTime and field.format in ("iso", "iso8601"):  # type: ignore[attr-defined]
        return lambda value: value.isoformat()  # what marshmallow's "iso" does
    if kind is fields.Nested and not field.many and not field.only and not field.exclude:  # type: ignore[attr-defined]
        nested = field.nested  # type: ignore[attr-defined]
        return _compiled(nested if isinstance(nested, type) else type(nested))
    if kind is fields.Dict and field.key_field is None and field.value_field is None:  # type: ignore[attr-defined]
        return dict  # marshmallow copies a mapping it is told nothing about
    if kind is fields.List:
        item = _value(field.inner)  # type: ignore[attr-defined]
        if item is None:
            return None
        return lambda values: [None if v is None else item(v) for v in values]
    return None


_MISSING = object()


def _compiled(schema: type[Schema]) -> Callable[[Any], dict[str, Any]] | None:
    if schema in _cache:
        return _cache[schema]
    _cache[schema] = None  # a schema nested in itself is left to marshmallow
    instance = schema()
    parts = []
    for name, field in instance.dump_fields.items():
        dump = _value(field)
        if dump is None or not name.isidentifier() or keyword.iskeyword(name):
            return None  # generated code reads ``obj.<name>``: a plain name only
        parts.append((name, dump))
    compiled = _generate(schema.__name__, parts)
    _cache[schema] = compiled
    return compiled


def _generate(name: str, parts: list[tuple[str, Dump]]) -> Callable[[Any], dict[str, Any]]:
    """One function with a few lines per field, as ``dataclasses`` writes ``__init__``: a
    loop calling a getter and a dumper per field cost twice as much (a page of twenty
    transfers spent a fifth of its CPU there). A mapping is read by key, anything else by
    attribute; a missing key or attribute is left out, None stays None."""
    namespace: dict[str, Any] = {"_missing": _MISSING}
    by_key: list[str] = []
    by_attribute: list[str] = []
    for index, (field_name, dump) in enumerate(parts):
        namespace[f"_dump{index}"] = dump
        store = f"out[{field_name!r}] = None if value is None else _dump{index}(value)"
        by_key += [
            f"        value = obj.get({field_name!r}, _missing)",
            "        if value is not _missing:",
            f"            {store}",
        ]
        by_attribute += [  # a try costs nothing when it does not raise; getattr's default does
            "        try:",
            f"            value = obj.{field_name}",
            "        except AttributeError:",
            "            pass",
            "        else:",
            f"            {store}",
        ]
    source = "\n".join(
        [
            "def dump(obj):",
            "    out = {}",
            "    if isinstance(obj, dict):",
            *(by_key or ["        pass"]),
            "    else:",
            *(by_attribute or ["        pass"]),
            "    return out",
        ]
    )
    # our own text, made of the schema's field names (identifiers, checked above)
    exec(compile(source, f"<dumper of {name}>", "exec"), namespace)
    generated: Callable[[Any], dict[str, Any]] = namespace["dump"]
    return generated


def dumper(schema: type[Schema]) -> Callable[[Any], dict[str, Any]]:
    """A function dumping like ``schema().dump``: compiled when the schema is plain."""
    compiled = _compiled(schema)
    if compiled is not None:
        return compiled
    fallback = schema()
    return fallback.dump


def answer(schema: type[Schema], result: Any) -> Response:
    """``result`` dumped as ``schema`` would dump it, as the JSON response flask-smorest
    would have built."""
    dumped = dumper(schema)(result)
    provider = current_app.json
    encoder = _compact_encoder(provider)
    if encoder is None:
        return cast(Response, provider.response(dumped))
    # what provider.response writes, by one encoder kept per setting: json.dumps with
    # arguments makes a new JSONEncoder on every call
    text = encoder.encode(dumped) + "\n"
    return current_app.response_class(text, mimetype=provider.mimetype)  # type: ignore[attr-defined]


_encoders: dict[tuple[Any, ...], json.JSONEncoder] = {}


def _writes_compact(provider: Any) -> bool:
    """Whether the app's JSON answers are compact, as Flask's provider decides (indented
    in debug unless told otherwise)."""
    compact = getattr(provider, "compact", None)
    return not ((compact is None and current_app.debug) or compact is False)


def _compact_encoder(provider: Any) -> json.JSONEncoder | None:
    """The encoder Flask's own provider would use for a compact answer; None when the app
    writes indented JSON (debug) or has a JSON provider of its own."""
    if type(provider) is not DefaultJSONProvider:
        return None
    if not _writes_compact(provider):
        return None
    key = (provider.default, provider.ensure_ascii, provider.sort_keys)
    encoder = _encoders.get(key)
    if encoder is None:
        encoder = json.JSONEncoder(
            default=provider.default,
            ensure_ascii=provider.ensure_ascii,
            sort_keys=provider.sort_keys,
            separators=(",", ":"),
        )
        if len(_encoders) < 16:
            _encoders[key] = encoder
    return encoder


def json_template(value: Mapping[str, Any], holes: Sequence[str]) -> list[str] | None:
    """``value`` written as the app's JSON answers are, cut where the values of the keys
    ``holes`` go: ``[before, hole, between, hole, ..., after]`` with each hole's name in
    its place, in the order the text holds them. A part of an answer that is the same for
    every caller (a reward in a list) is written once; a caller's answer then only puts
    their values (JSON text) in the holes. None when the app writes indented JSON (debug), which
    depends on where the part sits."""
    provider = current_app.json
    if not _writes_compact(provider):
        return None
    marks = {hole: f"hole-{uuid.uuid4().hex}" for hole in holes}
    text = provider.dumps({**value, **marks}, separators=(",", ":"))
    where = sorted((text.index(provider.dumps(mark)), hole) for hole, mark in marks.items())
    parts, start = [], 0
    for at, hole in where:
        parts += [text[start:at], hole]
        start = at + len(provider.dumps(marks[hole]))
    return [*parts, text[start:]]
