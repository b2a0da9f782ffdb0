"""DateOfBirthRecognizer: a date the same line calls a birth date, in the languages dlp serves."""

from __future__ import annotations

import pytest
from recognizer_cases import expected_and_found

from dlp.api import analyze_text
from dlp.detect.recognizers.date_of_birth import DateOfBirthRecognizer

CASES = [
    "Date of birth on file: [[03/12/1990]]",
    "DOB (MM/DD/YYYY): [[03/12/1990]]",
    "DOB: [[March 3, 1990]]",
    "D.O.B. [[1980-01-02]]",
    "Date of birth of the applicant as stated in the passport: [[12/03/1981]]",
    "Born on [[July 4, 1990]], the policyholder qualifies.",
    "born on [[4 July 1990]]",
    "Geburtsdatum laut Antrag: [[12.05.1978]]",
    "geboren am [[12.05.1978]] in Köln",
    "Née le [[2 mars 1974]] à Nantes.",
    "Date de naissance : [[02/03/1974]]",
    "nato il [[12/03/1981]] a Torino",
    "data di nascita del titolare: [[3 marzo 1980]]",
    "Fecha de nacimiento:[[28/06/1945]].",
    "nacida el [[3 de mayo de 1985]]",
    "Patient: Daniel Okafor, DOB [[1979-02-28]], seen on 03/03/2025 for a follow-up.",
    # not birth dates
    "DOB was updated. Your visit is on 03/12/2026",
    "Please confirm your DOB\nInvoice date 03/12/2025",
    "Happy birthday! Your birthday offer is valid until 12/31/2025.",
    "Alles Gute zum Geburtstag! Ihr Gutschein gilt bis 31.12.2025.",
    "The report was born out of a meeting on 12/03/2024 and... well",
]


@pytest.mark.parametrize("marked", CASES)
def test_date_of_birth(marked: str) -> None:
    expected, found = expected_and_found(DateOfBirthRecognizer(), "DATE_OF_BIRTH", marked)
    assert found == expected


def test_analyze_text_reports_a_labelled_birth_date() -> None:
    """The issue's example, through the public API at the product threshold."""
    found = [(e.entity_type, e.text) for e in analyze_text("Date of birth on file: 03/12/1990") if e.score >= 0.5]
    assert found == [("DATE_OF_BIRTH", "03/12/1990")]
