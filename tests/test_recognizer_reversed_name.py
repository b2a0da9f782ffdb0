"""ReversedNameRecognizer: Exchange "Last, First" display names in address headers and quoted headers."""

from __future__ import annotations

import pytest
from recognizer_cases import expected_and_found

from dlp.detect.recognizers.reversed_name import ReversedNameRecognizer

CASES = [
    "From: [[Rossi, Maria]]\nSent: Monday, March 3, 2025 9:14 AM",
    "To: [[Smith, John]]; [[Doe, Jane]]\nSubject: lease",
    "> From: [[Jordan, Daniel M.]] [mailto:d.jordan@example.com]",
    "-----Original Message-----\nVon: [[Müller, Anna]]\nGesendet: Montag",
    '"[[Okafor, Daniel]]" <d.okafor@example.com> wrote:',
    # not names
    "We visited Paris, France and Rome, Italy last year.",
    "From: Apache, Software <dev@example.org>",
    "To: Kernel, Linux",
    "Smith, John was in the list of attendees.",  # not a header line nor a display name
]


@pytest.mark.parametrize("marked", CASES)
def test_reversed_name(marked: str) -> None:
    expected, found = expected_and_found(ReversedNameRecognizer(), "PERSON", marked)
    assert found == expected
