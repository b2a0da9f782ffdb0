"""CREDIT_CARD: Presidio's Luhn-checked recognizer, plus the Mastercard 2-series (2221-2720).

Presidio's pattern predates the 2-series BIN range Mastercard has issued since 2017, so a third of
new Mastercards went unseen; the Luhn check keeps the wider pattern as precise as the original.
"""

from __future__ import annotations

from presidio_analyzer import Pattern
from presidio_analyzer.predefined_recognizers import CreditCardRecognizer

CARD = (
    r"\b(?!1\d{12}(?!\d))((4\d{3})|(5[0-5]\d{2})|(2[2-7]\d{2})|(6\d{3})|(1\d{3})|(3\d{3}))"
    r"[- ]?(\d{3,4})[- ]?(\d{3,4})[- ]?(\d{3,5})\b"
)


class PaymentCardRecognizer(CreditCardRecognizer):
    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            patterns=[Pattern("payment card (Luhn-checked)", CARD, 0.3)],
            supported_language=supported_language,
            name="PaymentCardRecognizer",
        )
