"""One masking rule for ID numbers and one for names, used by every view."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.volunteers.domain.masking import mask_id_number


def test_id_numbers_keep_only_their_ends():
    assert mask_id_number("110105199001011234") == "110***********1234"
    assert mask_id_number("MT2024556677") == "********6677"
    assert mask_id_number("MT-4471") == "*****71"
    assert mask_id_number("4471") == "****"
    assert mask_id_number("") == ""


@given(st.text(min_size=1, max_size=60))
def test_a_masked_id_keeps_its_length_and_hides_most_of_it(value):
    masked = mask_id_number(value)
    assert len(masked) == len(value)
    shown = sum(1 for c in masked if c != "*")
    assert shown <= min(7, len(value) // 2)
