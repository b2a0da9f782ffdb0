"""placeholder-address, invalid-address, disposable-address: is this address a real person's mailbox?

They run per message, on the recipient row's address in a preflight, or on To/Cc/envelope addresses
of a message from `dlp check`, `dlp serve` or an audit, so every entry point gets them. A filler
address is the Sprint/Swisscom incident: staff typed `none@provider` and a stranger who owns that
mailbox received contracts for years; that is why a filler address whose message carries personal data
blocks, and one whose message carries none only warns.
"""

from __future__ import annotations

from collections.abc import Iterable

from dlp.analysis.stage import AnalyzedMessage
from dlp.checks.address_rules import (
    DisposableMatcher,
    DisposableParams,
    InvalidMatcher,
    InvalidParams,
    PlaceholderMatcher,
    PlaceholderMatchers,
    PlaceholderParams,
)
from dlp.checks.base import Check
from dlp.checks.personal_data import is_recipients_own, origin_of
from dlp.model import Finding, ScanMessage, Severity
from dlp.redact import redact_address


class AddressCheck(Check):
    """What the three address checks share: where an address finding points, and the list section."""

    def address_finding(self, message: ScanMessage, address: str, what: str, **details) -> Finding:
        """A finding about one recipient address ("<redacted address> <what>"): its row in a preflight,
        the To line otherwise."""
        shown = redact_address(address) if address else "(empty)"
        details.setdefault("where", "address")
        return self.finding(
            f"{shown} {what}",
            scan_message=message,
            field="recipient list" if message.recipient is not None else "To",
            line=message.recipient.line if message.recipient else None,
            value=address.lower() or None,
            excerpt=shown,
            entity_type="EMAIL_ADDRESS",
            recipients=(address,) if address else (),
            **details,
        )

    def finish(self) -> Iterable[Finding]:
        _ = self.scope.list_pass  # a campaign scan reports the list's health, a fact the scope builds once
        return ()


class PlaceholderAddress(AddressCheck):
    rule_id = "placeholder-address"
    Params = PlaceholderParams

    @classmethod
    def compile(cls, rule, params: PlaceholderParams) -> PlaceholderMatchers:
        return PlaceholderMatchers(params)

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
                found.add(entity.entity_type)
        return sorted(found)


class InvalidAddress(AddressCheck):
    rule_id = "invalid-address"
    Params = InvalidParams

    @classmethod
    def compile(cls, rule, params: InvalidParams) -> InvalidMatcher:
        return InvalidMatcher.build(params)  # the typo table: ~29,600 entries, built once per rule set

    def check_message(self, message: ScanMessage) -> Iterable[Finding]:
        for address in message.addressees:
            result = self.compiled.reason(address)
            if result is None:
                continue
            reason, suggestion = result
            hint = f"; did you mean @{suggestion}?" if suggestion else ""
            yield self.address_finding(
                message,
                address,
                f"cannot be a real mailbox: {reason}{hint}",
                where="address" if address else f"empty:{message.recipient.row if message.recipient else ''}",
                extra={"reason": reason, **({"suggestion": suggestion} if suggestion else {})},
            )


class DisposableAddress(AddressCheck):
    rule_id = "disposable-address"
    Params = DisposableParams

    @classmethod
    def compile(cls, rule, params: DisposableParams) -> DisposableMatcher:
        return DisposableMatcher.build(params)

    def check_message(self, message: ScanMessage) -> Iterable[Finding]:
        for address in message.addressees:
            reason = self.compiled.reason(address) if address else None
            if reason is None:
                continue
            yield self.address_finding(
                message,
                address,
                f"is at a {reason}: whoever reads that inbox later may not be the customer",
                extra={"reason": reason},
            )
