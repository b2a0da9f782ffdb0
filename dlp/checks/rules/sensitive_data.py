"""sensitive-data: identifiers whose exposure is harmful in itself (SSN, card, IBAN, health data).

Reported even when they are the recipient's own: an emailed SSN is exposed in transit and in every
mailbox it is forwarded to. The entity types are the rule's parameters; the logic is `EntityCheck`.

In received mail (audit, check, serve) a number inside a machine-written header line in a body (a
bounce's returned headers, an anti-spam report whose broken folding pushed it into the body: `RULEID:
(201702281549075)` is no French INSEE number) is a program's token, not a person's id
(`dlp.checks.received_personal.in_machine_header`); the report notes how many were left out. Preflight
reports them all.
"""

from __future__ import annotations

from dlp.checks.entity import EntityCheck
from dlp.checks.received_personal import BODY_KINDS, in_machine_header
from dlp.detect.entities import Entity
from dlp.model import Part, ScanMessage


class SensitiveData(EntityCheck):
    detector = "sensitive-data"

    def __init__(self, rule, scope, **compiled) -> None:
        super().__init__(rule, scope, **compiled)
        self.in_headers = 0

    def not_personal(self, entity: Entity, part: Part, message: ScanMessage) -> bool:
        if not self.scope.received or part.kind not in BODY_KINDS or not in_machine_header(part.text, entity.start):
            return False
        self.in_headers += 1
        return True

    def notes(self) -> list[str]:
        if not self.in_headers:
            return []
        return [
            f"sensitive-data in received mail: {self.in_headers} value(s) inside machine-written header lines "
            "(anti-spam reports, signatures, trace fields) not reported"
        ]
