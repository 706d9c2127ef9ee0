"""Application forms: the fields a reward asks for, and the answers a request gives.

An administrator defines a reward's ``form_fields`` (``fields_from_json``, errors keyed
``form_fields.<position>.<attribute>``); a member's request carries ``form`` answers
(``validate_form``, errors keyed ``form.<name>``). Every problem is reported at once.

Answers are cleaned to what is stored: text stripped, and refused (not cut) beyond its
``max_length``; numbers as JSON numbers; dates as ``YYYY-MM-DD``; a choice exactly one
of its choices; booleans as JSON ``true``/``false``. An optional field left out, null
or blank is left out of the cleaned answers. A required boolean must be answered, true
or false; a tick that must be given is a ``choice`` with a single choice.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from common.errors import Invalid

FIELD_TYPES = ("text", "number", "date", "choice", "boolean")
ATTRIBUTES = ("name", "label", "type", "required", "choices", "max_length")
NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
NUMBER_TEXT = re.compile(r"-?[0-9]{1,13}(\.[0-9]{1,6})?")
MAX_FIELDS = 30
MAX_LABEL = 200
MAX_CHOICES = 100
DEFAULT_MAX_LENGTH = 500
MAX_MAX_LENGTH = 5000
# beyond this a "number" on a benefit form is a typing slip (and loses precision as a float)
MAX_NUMBER = 10**12

Errors = dict[str, list[str]]


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    type: str = "text"
    required: bool = False
    choices: tuple[str, ...] = ()
    # text fields only; None elsewhere
    max_length: int | None = None

    @classmethod
    def from_json(cls, data: object, *, position: int = 0) -> FormField:
        """One field definition, or Invalid with ``form_fields.<position>.<attr>`` errors."""
        errors: Errors = {}
        field = _field(data, f"form_fields.{position}", errors)
        if field is None or errors:
            raise Invalid("The form field is not valid.", errors=errors)
        return field

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "required": self.required,
        }
        if self.type == "choice":
            data["choices"] = list(self.choices)
        if self.type == "text":
            data["max_length"] = self.max_length
        return data


def fields_from_json(data: object) -> tuple[FormField, ...]:
    """A reward's form (``None``: no form), or Invalid with every problem in it."""
    if data is None:
        return ()
    if not isinstance(data, list):
        raise Invalid.field("form_fields", "The form fields must be a list.")
    if len(data) > MAX_FIELDS:
        raise Invalid.field("form_fields", f"A form has at most {MAX_FIELDS} fields.")
    errors: Errors = {}
    fields: list[FormField] = []
    seen: set[str] = set()
    for position, item in enumerate(data):
        field = _field(item, f"form_fields.{position}", errors)
        if field is None:
            continue
        if field.name in seen:
            errors[f"form_fields.{position}.name"] = [f"Another field is named {field.name}."]
        seen.add(field.name)
        fields.append(field)
    if errors:
        raise Invalid("The form fields are not valid.", errors=errors)
    return tuple(fields)


def validate_form(fields: Sequence[FormField], answers: object) -> dict[str, Any]:
    """The cleaned answers, or Invalid whose errors map ``form.<name>`` to messages."""
    if answers is None:
        answers = {}
    if not isinstance(answers, Mapping):
        raise Invalid.field("form", "The form answers must be an object.")
    known = {field.name: field for field in fields}
    errors: Errors = {}
    for name in answers:
        if name not in known:
            errors[f"form.{str(name)[:60]}"] = ["This form has no such field."]
    cleaned: dict[str, Any] = {}
    for field in fields:
        value = answers.get(field.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if field.required:
                errors[f"form.{field.name}"] = ["An answer is required."]
            continue
        try:
            cleaned[field.name] = _clean(field, value)
        except ValueError as exc:
            errors[f"form.{field.name}"] = [str(exc)]
    if errors:
        raise Invalid("Some answers on the form are not valid.", errors=errors)
    return cleaned


def _clean(field: FormField, value: object) -> object:
    if field.type == "text":
        if not isinstance(value, str):
            raise ValueError("Must be text.")
        text = value.strip()
        limit = field.max_length or DEFAULT_MAX_LENGTH
        if len(text) > limit:
            raise ValueError(f"At most {limit} characters.")
        return text
    if field.type == "number":
        return _number(value)
    if field.type == "date":
        if not isinstance(value, str) or not ISO_DATE.fullmatch(value.strip()):
            raise ValueError("Must be a date written YYYY-MM-DD.")
        try:
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            raise ValueError("There is no such date.") from None
    if field.type == "choice":
        if not isinstance(value, str) or value.strip() not in field.choices:
            raise ValueError(f"Must be one of: {', '.join(field.choices)}.")
        return value.strip()
    if not isinstance(value, bool):
        raise ValueError("Must be true or false.")
    return value


def _number(value: object) -> int | float:
    if isinstance(value, str):
        # a web form sends numbers as text; take plain decimals only (no 1e9, 1_000, nan)
        text = value.strip()
        if not NUMBER_TEXT.fullmatch(text):
            raise ValueError("Must be a number.")
        value = float(text) if "." in text else int(text)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("Must be a number.")
    if not math.isfinite(value) or abs(value) > MAX_NUMBER:
        raise ValueError(f"Must be a number between -{MAX_NUMBER} and {MAX_NUMBER}.")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _field(data: object, prefix: str, errors: Errors) -> FormField | None:
    if not isinstance(data, Mapping):
        errors[prefix] = ["A form field must be an object."]
        return None
    start = len(errors)
    for key in data:
        if key not in ATTRIBUTES:
            errors[f"{prefix}.{str(key)[:60]}"] = [
                f"Unknown attribute; a field has {', '.join(ATTRIBUTES)}."
            ]
    name = data.get("name")
    if not isinstance(name, str) or not NAME.fullmatch(name):
        errors[f"{prefix}.name"] = [
            "A name is 1 to 40 lower-case letters, digits or _, starting with a letter."
        ]
    label = data.get("label")
    if not isinstance(label, str) or not label.strip() or len(label.strip()) > MAX_LABEL:
        errors[f"{prefix}.label"] = [f"A label is 1 to {MAX_LABEL} characters."]
    kind = data.get("type")
    if kind not in FIELD_TYPES:
        errors[f"{prefix}.type"] = [f"The type is one of {', '.join(FIELD_TYPES)}."]
    required = data.get("required", False)
    if not isinstance(required, bool):
        errors[f"{prefix}.required"] = ["Must be true or false."]
    choices = _choices(data.get("choices"), kind, f"{prefix}.choices", errors)
    max_length = _max_length(data.get("max_length"), kind, f"{prefix}.max_length", errors)
    if len(errors) > start:
        return None
    assert isinstance(name, str) and isinstance(label, str) and isinstance(kind, str)
    return FormField(name, label.strip(), kind, bool(required), choices, max_length)


def _choices(value: object, kind: object, key: str, errors: Errors) -> tuple[str, ...]:
    if kind != "choice":
        if value is not None:
            errors[key] = ["Only a choice field has choices."]
        return ()
    if not isinstance(value, list) or not value or len(value) > MAX_CHOICES:
        errors[key] = [f"A choice field needs a list of 1 to {MAX_CHOICES} choices."]
        return ()
    if not all(isinstance(c, str) and c.strip() and len(c.strip()) <= MAX_LABEL for c in value):
        errors[key] = [f"Every choice is text of 1 to {MAX_LABEL} characters."]
        return ()
    choices = tuple(c.strip() for c in value)
    if len(set(choices)) != len(choices):
        errors[key] = ["The choices must differ from one another."]
    return choices


def _max_length(value: object, kind: object, key: str, errors: Errors) -> int | None:
    if kind != "text":
        if value is not None:
            errors[key] = ["Only a text field has a maximum length."]
        return None
    if value is None:
        return DEFAULT_MAX_LENGTH
    if type(value) is not int or not 1 <= value <= MAX_MAX_LENGTH:
        errors[key] = [f"Must be a whole number from 1 to {MAX_MAX_LENGTH}."]
        return None
    return value
