"""ACCOUNT_NUMBER: customer, account, contract and IMEI numbers named as such.

A bare 8-digit number is an order, a tracking id or a date to a regex; what makes it an account number
in mail is the label in front of it, so the label is part of the match.
"""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer

LABEL = (
    r"(?:account|acct\.?|a/c|customer|client|contract|membership|member|policy|subscriber|billing\s+account|"
    r"imei|kundennummer|vertragsnummer|kontonummer|numéro\s+de\s+(?:client|contrat|compte)|"
    r"numero\s+(?:cliente|contratto|di\s+conto)|número\s+de\s+(?:cliente|contrato|cuenta))"
)
NUMBER = r"(?:[A-Z]{1,4}[-‐ ]?)?\d[\d\- ]{4,22}\d"


class AccountNumberRecognizer(PatternRecognizer):
    PATTERNS = [
        Pattern(
            "labelled account number",
            rf"(?<=\b{LABEL}\s{{0,2}}(?:number|no\.?|nr\.?|#|id|n°|nº)?\s{{0,2}}[:#]?\s{{0,3}}){NUMBER}\b",
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
