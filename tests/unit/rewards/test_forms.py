"""Application forms: field definitions an administrator writes, answers a member gives."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.errors import Invalid
from services.rewards.domain.forms import (
    DEFAULT_MAX_LENGTH,
    FormField,
    fields_from_json,
    validate_form,
)

CHILD = {"name": "child_name", "label": "Child's name", "type": "text", "required": True}
BIRTH = {"name": "birth_date", "label": "Date of birth", "type": "date", "required": True}
SIZE = {"name": "household", "label": "People in household", "type": "number"}
KIND = {
    "name": "kind",
    "label": "Kind of place",
    "type": "choice",
    "choices": ["half day", "full day"],
    "required": True,
}
CONSENT = {"name": "consent", "label": "I agree", "type": "boolean", "required": True}
NOTE = {"name": "note", "label": "Note", "type": "text", "max_length": 10}
FORM = fields_from_json([CHILD, BIRTH, SIZE, KIND, CONSENT, NOTE])
GOOD = {
    "child_name": "  Li Ming ",
    "birth_date": "2022-02-28",
    "household": "4",
    "kind": "full day",
    "consent": False,
}


def errors_of(call: Any, *args: Any) -> dict[str, list[str]]:
    with pytest.raises(Invalid) as info:
        call(*args)
    assert info.value.errors is not None
    return info.value.errors


def test_definitions_round_trip() -> None:
    assert [f.name for f in FORM] == [
        "child_name",
        "birth_date",
        "household",
        "kind",
        "consent",
        "note",
    ]
    assert FORM[0].max_length == DEFAULT_MAX_LENGTH and FORM[5].max_length == 10
    assert FORM[3].choices == ("half day", "full day")
    assert fields_from_json([f.to_json() for f in FORM]) == FORM
    assert fields_from_json(None) == ()
    assert FormField.from_json(KIND) == FORM[3]


@pytest.mark.parametrize(
    ("definition", "attribute"),
    [
        ({**KIND, "choices": None}, "choices"),
        ({**KIND, "choices": []}, "choices"),
        ({**KIND, "choices": ["a", " a "]}, "choices"),
        ({**KIND, "choices": ["a", ""]}, "choices"),
        ({**KIND, "choices": "a,b"}, "choices"),
        ({**CHILD, "choices": ["a"]}, "choices"),
        ({**CHILD, "max_length": 0}, "max_length"),
        ({**CHILD, "max_length": 10**6}, "max_length"),
        ({**CHILD, "max_length": "10"}, "max_length"),
        ({**SIZE, "max_length": 10}, "max_length"),
        ({**CHILD, "name": "Child Name"}, "name"),
        ({**CHILD, "name": "1st"}, "name"),
        ({**CHILD, "name": "x" * 41}, "name"),
        ({**CHILD, "name": None}, "name"),
        ({**CHILD, "label": "  "}, "label"),
        ({**CHILD, "label": "x" * 201}, "label"),
        ({**CHILD, "type": "file"}, "type"),
        ({**CHILD, "required": "yes"}, "required"),
        ({**CHILD, "colour": "red"}, "colour"),
    ],
)
def test_bad_definitions_name_the_attribute(definition: dict[str, Any], attribute: str) -> None:
    assert list(errors_of(FormField.from_json, definition)) == [f"form_fields.0.{attribute}"]
    errors = errors_of(fields_from_json, [CHILD, definition])
    assert f"form_fields.1.{attribute}" in errors


def test_form_level_problems() -> None:
    assert "form_fields.1.name" in errors_of(
        fields_from_json, [CHILD, {**BIRTH, "name": "child_name"}]
    )
    assert list(errors_of(fields_from_json, {"a": CHILD})) == ["form_fields"]
    assert list(errors_of(fields_from_json, [CHILD] * 31)) == ["form_fields"]
    assert list(errors_of(fields_from_json, [CHILD, "text"])) == ["form_fields.1"]


def test_good_answers_are_cleaned() -> None:
    assert validate_form(FORM, GOOD) == {
        "child_name": "Li Ming",
        "birth_date": "2022-02-28",
        "household": 4,
        "kind": "full day",
        "consent": False,
    }


def test_optional_blank_answers_are_left_out() -> None:
    cleaned = validate_form(FORM, {**GOOD, "household": None, "note": "   "})
    assert "household" not in cleaned and "note" not in cleaned


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("child_name", None, "An answer is required."),
        ("child_name", "   ", "An answer is required."),
        ("child_name", 7, "Must be text."),
        ("note", "x" * 11, "At most 10 characters."),
        ("birth_date", "2023-02-29", "There is no such date."),
        ("birth_date", "28/02/2022", "Must be a date written YYYY-MM-DD."),
        ("birth_date", "20220228", "Must be a date written YYYY-MM-DD."),
        ("birth_date", 20220228, "Must be a date written YYYY-MM-DD."),
        ("household", "four", "Must be a number."),
        ("household", "1e9", "Must be a number."),
        ("household", "1_000", "Must be a number."),
        ("household", "nan", "Must be a number."),
        ("household", True, "Must be a number."),
        ("household", [4], "Must be a number."),
        ("household", float("inf"), "Must be a number between -1000000000000 and 1000000000000."),
        ("household", 10**13, "Must be a number between -1000000000000 and 1000000000000."),
        ("kind", "weekend", "Must be one of: half day, full day."),
        ("kind", ["full day"], "Must be one of: half day, full day."),
        ("consent", "true", "Must be true or false."),
        ("consent", None, "An answer is required."),
    ],
)
def test_bad_answers_are_keyed_form_dot_name(name: str, value: object, message: str) -> None:
    assert errors_of(validate_form, FORM, {**GOOD, name: value}) == {f"form.{name}": [message]}


def test_unknown_answers_are_refused_with_the_rest() -> None:
    errors = errors_of(validate_form, FORM, {**GOOD, "kind": "x", "salary": 1, "y" * 100: 2})
    assert set(errors) == {"form.kind", "form.salary", "form." + "y" * 60}
    assert errors["form.salary"] == ["This form has no such field."]


def test_answers_must_be_an_object() -> None:
    assert errors_of(validate_form, FORM, ["Li Ming"]) == {
        "form": ["The form answers must be an object."]
    }
    assert validate_form((), None) == {}
    assert list(errors_of(validate_form, FORM, None)) == [
        "form.child_name",
        "form.birth_date",
        "form.kind",
        "form.consent",
    ]


def test_numbers_keep_fractions_and_whole_floats_become_ints() -> None:
    assert validate_form(FORM, {**GOOD, "household": "2.5"})["household"] == 2.5
    assert validate_form(FORM, {**GOOD, "household": 3.0})["household"] == 3
    assert validate_form(FORM, {**GOOD, "household": " -1 "})["household"] == -1


@given(st.text(max_size=600))
def test_text_answers_are_stripped_and_bounded(text: str) -> None:
    try:
        cleaned = validate_form(FORM, {**GOOD, "child_name": text})
    except Invalid as exc:
        assert exc.errors is not None and list(exc.errors) == ["form.child_name"]
        assert not text.strip() or len(text.strip()) > DEFAULT_MAX_LENGTH
    else:
        assert cleaned["child_name"] == text.strip() and 0 < len(text.strip()) <= DEFAULT_MAX_LENGTH
