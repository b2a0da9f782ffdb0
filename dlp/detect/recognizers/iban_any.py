"""IBAN_CODE for the countries Presidio's IBAN recognizer does not list (it knows each country's format).

SWIFT's registry has grown past Presidio's table: Algeria, Angola, Cameroon, Cape Verde, Côte d'Ivoire,
El Salvador, Honduras, Iran, Madagascar and the other (partly "experimental") IBAN countries write
"CV64 0005 0000 0020 1082 1514 4", and mail carries them like any other. The ISO 13616 check digits
(mod 97 of the rearranged number equals 1) validate any IBAN whatever its country, so the pattern is
generic and the checksum does the work; a random letter-digit run passes it about once in 97, and the
shape (two capitals, two digits, groups of four) is rare outside IBANs in the first place.
"""

from __future__ import annotations

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult

IBAN = re.compile(r"(?<![\w-])(?P<iban>[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?)(?![\w-])")
MIN_LENGTH, MAX_LENGTH = 15, 34
SCORE = 1.0  # the checksum holds, as Presidio's validated IBAN_CODE


def valid_iban(value: str) -> bool:
    compact = value.replace(" ", "")
    if not MIN_LENGTH <= len(compact) <= MAX_LENGTH:
        return False
    rearranged = compact[4:] + compact[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


class AnyCountryIbanRecognizer(EntityRecognizer):
    SHAPE = IBAN  # every result is a match of this (the provenance fast path's shape check reads it)

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=["IBAN_CODE"], name="AnyCountryIbanRecognizer", supported_language=supported_language
        )

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities, nlp_artifacts=None) -> list[RecognizerResult]:
        return [
            RecognizerResult("IBAN_CODE", *match.span("iban"), SCORE)
            for match in IBAN.finditer(text)
            if valid_iban(match.group("iban"))
        ]
