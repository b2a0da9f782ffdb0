"""Phone numbers as mail writes them (international, with an extension, in pairs) are found; a conference PIN,
a log timestamp's fraction and the bytes of a hex dump are not phone numbers."""

from __future__ import annotations

import pytest

from dlp.api import analyze_text


def _phones(text: str) -> list[str]:
    return [e.text for e in analyze_text(text) if e.entity_type == "PHONE_NUMBER" and e.score >= 0.5]


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("Call me on +44 20 7946 0958 ext. 123 when you land.", "+44 20 7946 0958 ext. 123"),
        ("Join by phone\n(EE) +372 685 2028\nPIN: 498100683", "+372 685 2028"),
        ("Mon portable : 06 12 34 56 78, appelle-moi ce soir.", "06 12 34 56 78"),
        ("Tel. 0049 6221 4567-89 (Zentrale)", "0049 6221 4567-89"),
    ],
)
def test_a_dialable_number_is_a_phone(text: str, phone: str) -> None:
    assert phone in _phones(text)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Join by phone\n(EE) +372 685 2028\nPIN: 498100683", "498100683"),  # the meeting's PIN
        ("Webinar ID: 812 3456 7890, passcode 4455", "812 3456 7890"),
        ("[Sat Jun 20 07:27:13.280858 2020] [proxy:error] AH00940: backend failed", "280858 2020"),
        ("read: 16 03 03 00 4a 02 00 00 46 03 03 37 46 82 71 00 00 94 ab cd ef", "82 71 00 00 94"),
    ],
)
def test_a_pin_a_timestamp_or_a_hex_dump_is_not_a_phone(text: str, number: str) -> None:
    assert not any(number in found or found in number for found in _phones(text))
