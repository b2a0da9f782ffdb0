"""National ids Presidio does not ship: Swiss AHV/AVS number and French INSEE (NIR), both check-digited.

The check digit is what keeps a 13-digit order number from being reported as a social security number.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern, PatternRecognizer


def ean13_valid(digits: str) -> bool:
    if len(digits) != 13 or not digits.isdigit():
        return False
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits[:12]))
    return (10 - total % 10) % 10 == int(digits[12])


class ChAhvRecognizer(PatternRecognizer):
    """756.XXXX.XXXX.XC: the Swiss social insurance number, an EAN-13 with country prefix 756."""

    PATTERNS = [Pattern("ahv", r"\b756[.\s]?\d{4}[.\s]?\d{4}[.\s]?\d{2}\b", 0.8)]
    CONTEXT = ["ahv", "avs", "avs/ahv", "sozialversicherungsnummer", "versichertennummer", "assicurazione"]

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="CH_AHV",
            name="ChAhvRecognizer",
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            supported_language=supported_language,
        )

    def validate_result(self, pattern_text: str) -> bool:
        return ean13_valid(re.sub(r"\D", "", pattern_text))


def insee_valid(text: str) -> bool:
    compact = re.sub(r"\s", "", text).upper()
    if len(compact) != 15:
        return False
    body, key = compact[:13], compact[13:]
    body = body.replace("2A", "19").replace("2B", "18")
    if not body.isdigit() or not key.isdigit():
        return False
    return 97 - int(body) % 97 == int(key)


class FrInseeRecognizer(PatternRecognizer):
    """The French NIR (numéro de sécurité sociale): sex, year, month, département, commune, order, key."""

    PATTERNS = [
        Pattern(
            "insee",
            r"\b[12]\s?\d{2}\s?(?:0[1-9]|1[0-2]|[2-9]\d)\s?(?:\d{2}|2[AB])\s?\d{3}\s?\d{3}\s?\d{2}\b",
            0.8,
        )
    ]
    CONTEXT = ["sécurité", "securite", "sociale", "insee", "nir", "carte vitale"]

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="FR_INSEE",
            name="FrInseeRecognizer",
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            supported_language=supported_language,
        )

    def validate_result(self, pattern_text: str) -> bool:
        return insee_valid(pattern_text)
