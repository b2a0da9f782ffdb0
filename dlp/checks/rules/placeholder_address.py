"""placeholder-address: filler typed in by staff (`none@provider`, `noemail@`, the brand at a free-mail domain).

The Sprint/Swisscom incident: a stranger who owns that mailbox received contracts for years. A filler
address whose message carries personal data blocks; one whose message carries none only warns.

In received mail (audit, check, serve) "carries personal data" means what personal-data would report
there (`dlp.checks.received_personal`): the numbers of an anti-spam report in a bounce's returned headers
read as phone numbers, or a relay's IP, carry nobody's data and do not turn the warning into a block.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from dlp.analysis.stage import AnalyzedMessage
from dlp.checks.address_rules import (
    PlaceholderMatcher,
    PlaceholderMatchers,
    PlaceholderParams,
)
from dlp.checks.addressing import AddressCheck
from dlp.checks.entity import is_recipients_own, origin_of
from dlp.checks.received_personal import ReceivedMailFilter
from dlp.model import Finding, ScanMessage, Severity

_NOTHING = re.compile(r"(?!)")  # mailbox classes concern addresses, which are not personal_entities here


class PlaceholderAddress(AddressCheck):
    detector = "placeholder-address"
    Params = PlaceholderParams

    @classmethod
    def compile(cls, rule, params: PlaceholderParams) -> PlaceholderMatchers:
        return PlaceholderMatchers(params)

    def __init__(self, rule, scope, **compiled) -> None:
        super().__init__(rule, scope, **compiled)
        self.received = ReceivedMailFilter(_NOTHING, _NOTHING, _NOTHING) if scope.received else None

    def matcher(self, message: ScanMessage) -> PlaceholderMatcher:
        """Per sender: a campaign has one, an audited archive has one per message (own_domains)."""
        return self.compiled.for_domains(self.scope.sender_domains | message.own_domains)

    def check(self, analyzed: AnalyzedMessage) -> Iterable[Finding]:
        message = analyzed.message
        matcher = self.matcher(message)
        carried: list[str] | None = None  # what the message carries: the same for each of its addresses
        for address in message.addressees:
            reason = matcher.reason(address)
            if reason is None:
                continue
            if carried is None:
                carried = self.personal_data_types(analyzed)
            if carried:
                severity = Severity.BLOCK
                why = f"and the message carries personal data ({', '.join(carried)})"
            else:
                severity = Severity.WARN
                why = "(the message carries no personal data)"
            yield self.address_finding(
                message,
                address,
                f"looks like a filler address typed in for a customer: {reason} {why}; "
                "such addresses often belong to a real stranger",
                severity=severity,
                extra={"reason": reason, "personal_data": carried},
            )

    def personal_data_types(self, analyzed: AnalyzedMessage) -> list[str]:
        """Entity types of personal data in what this message delivers, excluding the template's own text.

        Reads the entities the analysis stage found for the entity checks; it asks for none itself, so
        when no entity check is enabled nothing was analysed and the finding stays a warning.
        """
        message = analyzed.message
        wanted = set(self.params.personal_entities)
        found: set[str] = set()
        for part, entities in analyzed.content():
            for entity in entities:
                if entity.entity_type not in wanted or entity.score < self.params.min_score:
                    continue
                if entity.entity_type == "EMAIL_ADDRESS" and is_recipients_own(entity, message.recipient):
                    continue
                if origin_of(entity.text, part, message, self.scope.template_sources) == "template":
                    continue  # the company's own help line or office address, the same for everyone
                if self.received is not None and self.received.why_not_personal(entity, part, message):
                    continue  # machinery of received mail: nobody's data
                found.add(entity.entity_type)
        return sorted(found)
