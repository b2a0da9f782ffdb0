"""An e-mail address spelled out against harvesters is still the address; "at" and "dot" in prose are not."""

from __future__ import annotations

import pytest

from dlp.api import analyze_text


def _emails(text: str) -> list[str]:
    return [e.text for e in analyze_text(text) if e.entity_type == "EMAIL_ADDRESS"]


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("For the report write to jane.doe [at] example [dot] com by Friday.", "jane.doe [at] example [dot] com"),
        ("Contact: j.smith (at) mailbox.org", "j.smith (at) mailbox.org"),
        ("You can reach me at jane at example dot co dot uk if anything changes.", "jane at example dot co dot uk"),
        ("Reply to bob.miller@example DOT com, not to the list.", "bob.miller@example DOT com"),
        ("Questions? marie {at} exemple {dot} fr", "marie {at} exemple {dot} fr"),
    ],
)
def test_a_spelled_out_address_is_an_email_address(text: str, address: str) -> None:
    assert address in _emails(text)


@pytest.mark.parametrize(
    "text",
    [
        "I work at example.com now and love it.",  # "at" before a plain domain: a workplace
        "Let us look at the dot com bubble of 2000 once more.",  # "at" and "dot com" in prose
        "Meet me at the station at 9, then we go to the office.",
    ],
)
def test_at_and_dot_in_prose_are_not_an_address(text: str) -> None:
    assert _emails(text) == []


def test_a_plain_address_is_found_once() -> None:
    assert _emails("Send it to j.smith@example.com please.") == ["j.smith@example.com"]
