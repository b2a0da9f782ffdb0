"""STREET_ADDRESS in the United Kingdom: a street, with or without a house number, held by its postcode.

"Bow St, Covent Garden, London, WC2E 9DD", "Flat 14, Ziggurat Building, 60-66 Saffron Hill, London,
EC1N 8QX": Royal Mail's postcode is distinctive enough to make a numberless street an address. The pattern
is built with the others from `dlp/detect/data/addresses.yaml` (`street_address.build_patterns`); it
runs here, apart, because it may start at any capitalised word and only a text holding a postcode of
Royal Mail's shape can match it: one search for that shape skips it on every other text.
"""

from __future__ import annotations

from typing import ClassVar

import regex

from dlp.detect.recognizers.prefilter import PrefilteredPatternRecognizer
from dlp.detect.recognizers.street_address import UK_PATTERN, StreetAddressRecognizer, address_data, shared_patterns


class UkAddressRecognizer(PrefilteredPatternRecognizer):
    REQUIRES: ClassVar = regex.compile(address_data()["uk"]["postcode"])

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="STREET_ADDRESS",
            name="UkAddressRecognizer",
            patterns=[p for p in shared_patterns() if p.name == UK_PATTERN],
            context=StreetAddressRecognizer.CONTEXT,
            supported_language=supported_language,
        )
