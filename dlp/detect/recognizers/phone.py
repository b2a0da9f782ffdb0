"""PHONE_NUMBER: Presidio's phonenumbers-based recognizer, scored for email.

Stock Presidio scores every phone at 0.4 (below any sensible threshold) and finds them inside tracking
ids and order numbers. In mail a phone number is written to be dialled: international prefix, or
grouped digits, or a label ("call", "mobile", "Tel."). Those score as phones; a bare digit run glued
to letters or labelled as an order/tracking number does not.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import PhoneNumberType
from presidio_analyzer import RecognizerResult
from presidio_analyzer.predefined_recognizers import PhoneRecognizer

REGIONS = ("US", "GB", "DE", "FR", "IT", "ES", "CH", "AT", "NL", "BE", "IE", "CA", "AU", "IN")
PHONE_CONTEXT = re.compile(
    r"(?i)\b(?:phone|tel|telephone|mobile|cell|call|ring|text|sms|whatsapp|fax|hotline|contact|reach|dial|"
    r"telefon|handy|mobil|rufnummer|téléphone|portable|tél|appel\w*|telefono|cellulare|chiam\w*|"
    r"teléfono|móvil|llam\w*|numéro|number|nummer|numero|número)\b"
)
OTHER_ID_LABEL = re.compile(
    r"(?i)\b(?:order|invoice|tracking|track|parcel|shipment|reference|ref|ticket|case|booking|confirmation|"
    r"receipt|transaction|serial|sku|item|article|bestellung|rechnung|sendung|commande|facture|colis|"
    r"ordine|fattura|pedido|factura|imei|iban|account|acct|customer|contract|policy|member|kundennummer|"
    r"insurance|nino|ssn|passport|licen[cs]e)\b[^\n]{0,20}$"
)
SSN_SHAPE = re.compile(r"^\d{3}-\d{2}-\d{4}$")
DATE_SHAPE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
GLUED = re.compile(r"[\w#/\-_.]")


class EmailPhoneRecognizer(PhoneRecognizer):
    SCORE_FORMATTED = 0.65
    SCORE_CONTEXT = 0.8
    SCORE_BARE = 0.4

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_language=supported_language, supported_regions=REGIONS, leniency=1, name="EmailPhoneRecognizer"
        )

    def analyze(self, text, entities, nlp_artifacts=None):
        results = super().analyze(text, entities, nlp_artifacts)
        out: list[RecognizerResult] = []
        for result in results:
            span = text[result.start : result.end]
            before = text[max(0, result.start - 40) : result.start]
            after = text[result.end : result.end + 1]
            if (before and GLUED.match(before[-1]) and before[-1] not in ".") or (after and after.isalnum()):
                continue  # part of a longer token: a tracking id, a URL, a serial
            if before.endswith(("#", "-", "/")):
                continue
            if OTHER_ID_LABEL.search(before) and not PHONE_CONTEXT.search(before[-12:]):
                continue
            if SSN_SHAPE.match(span.strip()) or DATE_SHAPE.match(span.strip()):
                continue  # ###-##-#### is written for SSNs, never for phones
            digits = sum(ch.isdigit() for ch in span)
            formatted = span.lstrip().startswith(("+", "(", "00")) or bool(re.search(r"\d[\s.\-/)]\d", span))
            if _business_line(span, REGIONS_BY_LANGUAGE.get(self.supported_language, ("US", "GB"))):
                score = self.SCORE_BARE  # toll-free and premium lines belong to businesses, never to a person
            elif PHONE_CONTEXT.search(before):
                score = self.SCORE_CONTEXT
            elif formatted and digits >= 7:
                score = self.SCORE_FORMATTED
            else:
                score = self.SCORE_BARE
            result.score = score
            # Scored here from the words in front; Presidio's context boost would lift every digit run.
            result.recognition_metadata[RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY] = True
            out.append(result)
        return out


BUSINESS_TYPES = frozenset(
    {PhoneNumberType.TOLL_FREE, PhoneNumberType.PREMIUM_RATE, PhoneNumberType.SHARED_COST, PhoneNumberType.UAN}
)


REGIONS_BY_LANGUAGE = {
    "en": ("US", "GB"),
    "de": ("DE", "CH", "AT"),
    "fr": ("FR", "CH", "BE"),
    "it": ("IT", "CH"),
    "es": ("ES",),
}


def _business_line(span: str, regions: tuple[str, ...]) -> bool:
    """Toll-free/premium/shared-cost in the region the mail is most likely written from."""
    for region in regions:
        try:
            number = phonenumbers.parse(span, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.number_type(number) in BUSINESS_TYPES
    return False
