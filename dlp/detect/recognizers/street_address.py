"""STREET_ADDRESS: house number + street + street type, optionally city, state and postcode.

spaCy's small English model does not tag street addresses at all; a street-type word after a house
number is a strong, language-specific signal that a pattern captures well.
"""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer

STREET_TYPES = (
    r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|terrace|ter|court|ct|way|place|pl|"
    r"parkway|pkwy|circle|cir|highway|hwy|square|sq|trail|trl|close|crescent|gardens|grove|row|mews)"
)
NAME_WORD = r"(?-i:[A-Z][a-zA-Z'\-]+|[0-9]+(?:st|nd|rd|th))"
US_ADDRESS = (
    rf"\b\d{{1,6}}[A-Za-z]?\s+(?:(?:N|S|E|W|North|South|East|West)\.?\s+)?(?:{NAME_WORD}\s+){{1,4}}"
    rf"{STREET_TYPES}\b\.?"
    r"(?:,?\s+(?:apt|apartment|suite|ste|unit|flat|#)\.?\s*\w{1,6})?"
    r"(?:,\s*(?-i:[A-Z][a-zA-Z]+(?:\s[A-Z][a-zA-Z]+){0,2}),?\s*(?-i:[A-Z]{2})\s+\d{5}(?:-\d{4})?)?"
)


class StreetAddressRecognizer(PatternRecognizer):
    PATTERNS = [Pattern("us street address", US_ADDRESS, 0.7)]
    CONTEXT = ["address", "street", "live", "residence", "ship", "billing", "mailing"]

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="STREET_ADDRESS",
            name="StreetAddressRecognizer",
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            supported_language=supported_language,
        )
