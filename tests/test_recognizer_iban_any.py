"""AnyCountryIbanRecognizer: IBANs of the countries Presidio's table lacks, validated by their check digits."""

from __future__ import annotations

import pytest
from recognizer_cases import expected_and_found

from dlp.detect.recognizers.iban_any import AnyCountryIbanRecognizer

CASES = [
    "Pagamento para [[CV64 0005 0000 0020 1082 1514 4]] até sexta.",
    "IBAN: [[IR710570029971601460641001]]",
    "Virement sur [[CI93 CI00 8011 1301 1342 9120 0589]] svp",
    "Our account: [[DE89 3704 0044 0532 0130 00]] (Commerzbank).",
    # a check digit off by one, and IBAN-shaped text that is something else
    "Pagamento para CV65 0005 0000 0020 1082 1514 4 até sexta.",
    "Build AB12 CDEF GHIJ KLMN finished.",
    "commit 3f2a9c1e0b7d4a6f8e5c2b1a0d9e8f7c6b5a4d3e",
]


@pytest.mark.parametrize("marked", CASES)
def test_iban_any_country(marked: str) -> None:
    expected, found = expected_and_found(AnyCountryIbanRecognizer(), "IBAN_CODE", marked)
    assert found == expected
