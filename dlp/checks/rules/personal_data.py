"""personal-data: names, addresses, phone numbers and other personal data in what the recipient reads.

Personalisation is not a leak: the recipient's own values in their own message, the sender's own
addresses and the campaign's own contact details (literal in the template, or in every scanned message)
are skipped (`dlp.checks.entity`).

In received mail (no campaign: audit, check, serve) relay IPs, role/list mailboxes, addresses in links and
names in code are nobody's personal data (`dlp.checks.received_personal`); the report notes how many of
each were left out. Preflight reports them all.
"""

from __future__ import annotations

from collections import Counter

from dlp.checks.address_rules import fnmatch_any
from dlp.checks.base import vocabulary
from dlp.checks.entity import EntityCheck, Params
from dlp.checks.received_personal import RECEIVED_CLASSES, ReceivedMailFilter
from dlp.detect.entities import Entity
from dlp.model import Part, ScanMessage


class PersonalParams(Params):
    """personal-data's received-mail mailboxes (`dlp.checks.received_personal`), fnmatch patterns."""

    role_local_parts: list[str] = vocabulary("role_local_parts")
    list_domains: list[str] = vocabulary("list_domains")
    list_local_parts: list[str] = vocabulary("list_local_parts")


class PersonalData(EntityCheck):
    detector = "personal-data"
    skip_own_data = True
    Params = PersonalParams

    def __init__(self, rule, scope, **compiled) -> None:
        super().__init__(rule, scope, **compiled)
        self.received = ReceivedMailFilter(
            fnmatch_any(self.params.role_local_parts),
            fnmatch_any(self.params.list_domains),
            fnmatch_any(self.params.list_local_parts),
        )
        self.not_reported: Counter = Counter()

    def not_personal(self, entity: Entity, part: Part, message: ScanMessage) -> bool:
        if not self.scope.received:
            return False
        why = self.received.why_not_personal(entity, part, message)
        if why is not None:
            self.not_reported[why] += 1
        return why is not None

    def notes(self) -> list[str]:
        if not self.not_reported:
            return []
        counts = ", ".join(f"{n} {RECEIVED_CLASSES[why]}" for why, n in sorted(self.not_reported.items()))
        return [f"personal-data in received mail: not reported as nobody's personal data: {counts}"]
