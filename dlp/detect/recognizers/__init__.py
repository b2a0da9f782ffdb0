"""dlp's own Presidio recognizers, one per module, for what leaks in customer mail.

`project_recognizers(language)` is the one place the engine asks for them, so adding a recognizer is a
new module plus one line here.
"""

from __future__ import annotations

from presidio_analyzer import EntityRecognizer

from dlp.detect.recognizers.account_number import AccountNumberRecognizer
from dlp.detect.recognizers.date_of_birth import DateOfBirthRecognizer
from dlp.detect.recognizers.street_address import StreetAddressRecognizer


def project_recognizers(language: str) -> list[EntityRecognizer]:
    return [
        StreetAddressRecognizer(supported_language=language),
        DateOfBirthRecognizer(supported_language=language),
        AccountNumberRecognizer(supported_language=language),
    ]
