"""CuedNameRecognizer: names after "my name is", "follow up with" and the like, and signature names."""

from __future__ import annotations

import pytest
from recognizer_cases import expected_and_found

from dlp.detect.recognizers.cued_name import CuedNameRecognizer

CASES = [
    "Hi, my name is [[Aurelio Tacchini]] and I am writing about my contract.",
    "Please follow up with [[Kowalski]] tomorrow.",
    "I spoke with [[Anneli Virtanen]] about the refund.",
    "Je m'appelle [[Aurélie Dagnel]].",
    "Mi chiamo [[Giulia Bianchi]] e vi scrivo per",
    "Best regards,\n[[Daniel Jordan]]\nSenior Engineer",
    "Thanks,\n[[Petr]]",
    "Mit freundlichen Grüßen\n\n[[Jürgen Weiß]]",
    "Cordialement,\n[[Hélène Dubois]]",
    "Thanks again,\n\n[[Jack]]\n\n> On 10 Jul 2020, at 15:00, Antony Stone wrote:",
    "Cheers,\n\n-[[Tom]]\n",
    "Kind regards,\n[[Daniel M. Jordan]]\nSenior Engineer",  # a middle initial
    "bt full).\n\n[[rainer]]\n\n-----",
    "Regards, [[Petar]]!\nKarlovo, Bulgaria.",
    "Thanks, [[Martin]],\n\nGreat advice!",
    "Thank you very much, [[Stefan]]!",
    "Hello,\n\n[[angel]]\n\n> On 3 Jul 2020, at 05:01, Ann wrote:",  # a last line in lower case
    "--\n[[Olivier Lamy]]\nhttp://twitter.com/olamy",
    "\"Der Job ist weg\", sagt [[Heike Groos]].",  # reported speech
    # not names
    "Das ist so Recht und billig.",
    "Simple Subject",  # a lone short field is no signature
    "defaults.\n\nBeste Grüße\n\n--\n",
    "Thanks\n\nOk\n",
    "Please contact Support for help.",
    "Thanks,\nThe Team",
    "This is Windows Update speaking.",
    "Your parcel will arrive by Friday.",
    "Best regards,\nCustomer Care",
    "--\nGavin Kistner                   Creative Director",  # a column layout: not one name line
]


@pytest.mark.parametrize("marked", CASES)
def test_cued_name(marked: str) -> None:
    expected, found = expected_and_found(CuedNameRecognizer(), "PERSON", marked)
    assert found == expected
