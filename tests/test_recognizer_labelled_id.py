"""LabelledIdRecognizer: a person's identifier is found by the label in front of it, never by shape alone."""

from __future__ import annotations

import pytest
from recognizer_cases import expected_and_found

from dlp.detect.recognizers.labelled_id import LabelledIdRecognizer

CASES = [
    "NHC: [[7892657]].\nNASS: [[73 46509365 65]].\nDomicilio: C/ Ramon Rubio Fernandez, 23.",
    "NHC: [[879475839/710]].",
    "Her SSN [[078-05-1120]] is on file.",
    "numéro de sécurité sociale : [[1 85 05 78 006 084 36]]",
    "DNI: [[12345678Z]]",
    "Your passport number is [[123456789]].",
    "Sozialversicherungsnummer: [[12 150385 M 123]]",
    # numbers without an identifier's label stay unreported, whatever their shape
    "Ich habe nie 12345 gesagt.",
    "Message-Id: <1066973156.4264.42.camel@example.org>",
    "Ticket id 12345678 was closed.",
    "Order 123-45-6789 shipped.",
    "Listening on port 8443 since 2020.",
]


@pytest.mark.parametrize("marked", CASES)
def test_labelled_id(marked: str) -> None:
    expected, found = expected_and_found(LabelledIdRecognizer(), "NATIONAL_ID", marked)
    assert found == expected
