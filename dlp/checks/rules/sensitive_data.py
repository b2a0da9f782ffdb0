"""sensitive-data: identifiers whose exposure is harmful in itself (SSN, card, IBAN, health data).

Reported even when they are the recipient's own: an emailed SSN is exposed in transit and in every
mailbox it is forwarded to. The entity types are the rule's parameters; the logic is `EntityCheck`.
"""

from __future__ import annotations

from dlp.checks.entity import EntityCheck


class SensitiveData(EntityCheck):
    detector = "sensitive-data"
