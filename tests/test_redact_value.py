"""`redact_value`: the mask every excerpt goes through. It keeps the kind of value recognisable to the
reviewer (a card still looks like a card, an address keeps its domain) and never enough to recover it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.redact import redact_value

PURE = settings(max_examples=300, deadline=None, derandomize=True)  # a pure function: cheap, the same cases


@pytest.mark.parametrize(
    ("value", "entity_type", "shown"),
    [
        ("4111 1111 1111 1111", "CREDIT_CARD", "4*** **** **** **11"),  # long numbers: first digit, last two
        ("536-22-8451", "US_SSN", "5**-**-****"),  # under ten digits: only the first
        ("+41 79 123 45 67", "PHONE_NUMBER", "+4* ** *** ** 67"),
        ("CH93 0076 2011 6238 5295 7", "IBAN_CODE", "CH9* **** **** **** ***5 7"),
        ("anna.rossi@example.org", None, "a***@example.org"),  # an address by its shape, typed or not
        ("anna.rossi@example.org", "EMAIL_ADDRESS", "a***@example.org"),
        ("Anna Rossi", "PERSON", "A*** R****"),  # each word by its initial
        ("742 Evergreen Terrace", "STREET_ADDRESS", "7** E****** T******"),
        ("  Anna  ", None, "A***"),  # surrounding space is not part of the value
        ("abc", None, "***"),  # too short to keep anything
        ("", None, "***"),
    ],
)
def test_examples(value: str, entity_type: str | None, shown: str) -> None:
    assert redact_value(value, entity_type) == shown


def test_word_masks_cap_the_length_so_long_names_do_not_stand_out() -> None:
    assert redact_value("Maximilian Oberholzer-Schmidt") == "M****** O******"
    assert redact_value("Al Bo") == "A** B**"  # and short words get at least two stars


@PURE
@given(st.text(alphabet="0123456789", min_size=4, max_size=30), st.sampled_from([" ", "-", "."]))
def test_numbers_keep_at_most_three_digits_and_their_layout(digits: str, separator: str) -> None:
    value = separator.join(digits[i : i + 4] for i in range(0, len(digits), 4))
    shown = redact_value(value)
    assert len(shown) == len(value)
    assert [c for c in shown if not c.isdigit() and c != "*"] == [c for c in value if not c.isdigit()]
    kept = sum(c.isdigit() for c in shown)
    assert kept == (3 if len(digits) >= 10 else 1)
    assert shown[0] == value[0]


@PURE
@given(st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüéñ", min_size=2, max_size=20), min_size=1, max_size=4))
def test_words_keep_only_their_initials(words: list[str]) -> None:
    value = " ".join(words)
    if len(value) <= 3:
        assert redact_value(value) == "***"
        return
    shown = redact_value(value).split(" ")
    assert [w[0] for w in shown] == [w[0] for w in words]
    assert all(set(w[1:]) == {"*"} and 2 <= len(w) - 1 <= 6 for w in shown)


def test_only_a_real_address_keeps_its_domain() -> None:
    assert redact_value("pass@word123", "CREDENTIAL") == "p******"
    assert redact_value("@anna_rossi_1984") == "@******"


@PURE
@given(st.text(alphabet=st.characters(exclude_characters="*"), min_size=4, max_size=60))
def test_any_value_is_masked_and_never_shown_whole(value: str) -> None:
    shown = redact_value(value)
    if len(value.strip()) >= 4:
        assert value.strip() not in shown
    assert "*" in shown
