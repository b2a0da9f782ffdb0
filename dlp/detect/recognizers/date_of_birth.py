"""DATE_OF_BIRTH: a date that the text itself calls a birth date.

Stock Presidio sees only DATE_TIME, and every invoice date is one. A birth date is what makes a date
personal data, so the birth context is part of the match (a variable-length lookbehind, which the
`regex` engine Presidio uses supports) rather than a score nudge. "Happy birthday" and "birthday offer"
are not birth context: a greeting carries no date of birth.
"""

from __future__ import annotations

import re
from typing import ClassVar

from presidio_analyzer import Pattern

from dlp.detect.recognizers.prefilter import PrefilteredPatternRecognizer

# Labels: a form field names the date, and a few words may stand between label and value on the same
# line ("Date of birth on file: 03/12/1990", "DOB (MM/DD/YYYY): 03/12/1990", "Geburtsdatum laut Antrag:").
BIRTH_LABEL = (
    r"(?:date\s+of\s+birth|birth\s*date|birthdate|d\.?\s?o\.?\s?b\.?|geburtsdatum|date\s+de\s+naissance|"
    r"data\s+di\s+nascita|fecha\s+de\s+nacimiento|f\.\s?nac\.|geb\.(?:-?datum)?|geburtstag\s*:)"
)
# Verbs: the date follows at once ("born on", "geboren am", "né le", "nato il", "nacido el").
BIRTH_VERB = r"(?:born(?:\s+on)?|geboren(?:\s+am)?|n[ée]e?\s+le|nat[oa]\s+il|nacid[oa]\s+el)"
# What may stand between a label and its date: words and brackets on the same line, no digits, no
# sentence end ("DOB was updated. Your visit is on 03/12/2026" is not a birth date).
LABEL_GAP = r"[^\S\n]{0,3}(?:(?:[^\W\d]|\()[^\n\d.;!?]{0,50}?)?"
BIRTH_CONTEXT = rf"(?:{BIRTH_LABEL}{LABEL_GAP}|{BIRTH_VERB})"
MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|"
    r"januar|februar|märz|maerz|mai|juni|juli|oktober|dezember|"
    r"janvier|février|fevrier|mars|avril|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre|"
    r"gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|dicembre|"
    r"enero|febrero|abril|mayo|junio|julio|septiembre|setiembre|octubre|noviembre|diciembre)"
)
DATE = (
    r"(?:\d{1,2}[./-]\d{1,2}[./-](?:19|20)?\d{2}"
    r"|(?:19|20)\d{2}[./-]\d{1,2}[./-]\d{1,2}"
    rf"|\d{{1,2}}(?:st|nd|rd|th|er|º)?\.?\s+(?:de\s+)?{MONTHS}\.?,?\s+(?:de\s+)?(?:19|20)\d{{2}}"
    rf"|{MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}})"
)


class DateOfBirthRecognizer(PrefilteredPatternRecognizer):
    # Every match needs a birth word; the label-gap lookbehind is tried at every position otherwise (6x the
    # cost of all other labelled patterns on list mail).
    REQUIRES: ClassVar[re.Pattern[str]] = re.compile(
        r"(?i)birth|born|d\.?\s?o\.?\s?b|geb\.|geboren|geburts|naissance|n[ée]e?\s+le|nascita|nat[oa]\s+il|"
        r"nacimiento|nacid[oa]|f\.\s?nac"
    )
    PATTERNS = [
        Pattern(
            "date after birth context",
            rf"(?i)(?<=\b{BIRTH_CONTEXT}\s{{0,3}}(?:is|was|as|:|-|–|\(dob\))?\s{{0,3}}[:(]?\s{{0,2}}){DATE}(?!\d)",
            0.85,
        ),
    ]
    CONTEXT = ["birth", "born", "dob", "geburtsdatum", "naissance", "nascita", "nacimiento"]

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="DATE_OF_BIRTH",
            name="DateOfBirthRecognizer",
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            supported_language=supported_language,
        )
