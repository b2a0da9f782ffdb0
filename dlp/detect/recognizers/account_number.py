"""ACCOUNT_NUMBER: customer, account, contract, policy and IMEI numbers named as such.

A bare 8-digit number is an order, a tracking id or a date to a regex; what makes it an account number
in mail is the label in front of it, so the label is part of the match. An IMEI is recognisable by
itself (15 digits, Luhn) once the word IMEI is near.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern

from dlp.detect.recognizers.prefilter import PrefilteredPatternRecognizer

# Labels that name a number by themselves ("IMEI 35...", "Kundennummer: ...", "account 1234...").
NUMBER_LABEL = (
    r"(?:account|acct\.?|a/c|imei|kundennummer|kunden-nr\.?|kundennr\.?|vertragsnummer|vertrags-nr\.?|"
    r"kontonummer|versichertennummer|versicherungsnummer|mitgliedsnummer|policennummer|konto-nr\.?|numéro\s+(?:de\s+)?(?:client|contrat|compte|d'abonné)|"
    r"n°\s+(?:de\s+)?(?:client|contrat|compte)|numero\s+(?:cliente|contratto|di\s+conto|conto)|codice\s+cliente|"
    r"número\s+de\s+(?:cliente|contrato|cuenta)|nº\s+de\s+(?:cliente|contrato|cuenta)|"
    r"n[º°o]\.?\s*col(?:egiado)?\.?|colegiado)"
)
# Labels that need "number"/"no."/"ID" after them: "customer: 0612..." may well be the customer's phone.
OWNER_LABEL = (
    r"(?:customer|client|contract|membership|member|policy|subscriber|billing\s+account|loyalty|subscription|"
    r"meter|patient|insurance|konto)"
)
SUFFIX = r"(?:number|no\.?|nr\.?|num\.?|#|id|ref\.?|n°|nº|code)"
LABELLED = rf"(?:{NUMBER_LABEL}\s{{0,2}}(?:{SUFFIX}\s{{0,2}})?|{OWNER_LABEL}\s{{0,2}}{SUFFIX}\s{{0,2}})"
DIGIT_RUN = r"\d(?:[\d\-]|\s(?=\d)){4,22}\d"
NUMBER = rf"(?:[A-Z]{{1,4}}[-‐]?)?{DIGIT_RUN}(?:[-‐][A-Z0-9]{{1,4}})?"


class AccountNumberRecognizer(PrefilteredPatternRecognizer):
    REQUIRES = re.compile(DIGIT_RUN)  # every NUMBER contains this digit run
    PATTERNS = [
        Pattern(
            "labelled account number",
            rf"(?i)(?<=\b{LABELLED}(?:is|:|#|=|lautet|est|è|es)?\s{{0,3}}){NUMBER}\b",
            0.75,
        ),
    ]
    CONTEXT = ["account", "customer", "contract", "imei", "policy", "member"]

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="ACCOUNT_NUMBER",
            name="AccountNumberRecognizer",
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            supported_language=supported_language,
        )
