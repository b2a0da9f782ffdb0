"""placeholder-address, invalid-address, disposable-address: is this address a real person's mailbox?

They run per message, on the recipient row's address in a preflight, or on To/Cc/envelope addresses
of a message from `dlp check`, `dlp serve` or an audit, so every entry point gets them. A filler
address is the Sprint/Swisscom incident: staff typed `none@provider` and a stranger who owns that
mailbox received contracts for years; that is why a filler address whose message carries personal data
blocks, and one whose message carries none only warns.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property

from dlp.checks.address_rules import (
    DisposableMatcher,
    DisposableParams,
    InvalidMatcher,
    InvalidParams,
    PlaceholderMatcher,
    PlaceholderParams,
)
from dlp.checks.base import Check
from dlp.checks.personal_data import is_recipients_own, origin_of
from dlp.checks.recipient_list import list_pass
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
        list_pass(self.ctx)  # the recipient-list health section, in a campaign scan
        return ()


class PlaceholderAddress(AddressCheck):
    rule_id = "placeholder-address"
    Params = PlaceholderParams

    def matcher(self, message: ScanMessage) -> PlaceholderMatcher:
        """Built per sender: a campaign has one, an audited archive has one per message (own_domains)."""
        domains = frozenset(self.ctx.sender_domains) | message.own_domains
        cache = self.__dict__.setdefault("_matchers", {})
        matcher = cache.get(domains)
        if matcher is None:
            if len(cache) > 256:
                cache.clear()
            matcher = cache[domains] = PlaceholderMatcher.build(self.params, domains)
        return matcher

    def check_message(self, message: ScanMessage) -> Iterable[Finding]:
        matcher = self.matcher(message)
        carried: list[str] | None = None  # what the message carries: the same for each of its addresses
        for address in message.addressees:
            reason = matcher.reason(address)
            if reason is None:
                continue
            if carried is None:
                carried = self.personal_data_types(message)
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

    def personal_data_types(self, message: ScanMessage) -> list[str]:
        """Entity types of personal data in what this message delivers, excluding the template's own text.

        Uses the analysis the personal-data checks already ran (cached per paragraph); when no entity
        check is enabled there is no analyser and the finding stays a warning.
        """
        if self.ctx.analyze is None:
            return []
        wanted = set(self.params.personal_entities)
        found: set[str] = set()
        for part in message.content_parts:
            for entity in self.ctx.analyze(part, message):
                if entity.entity_type not in wanted or entity.score < self.params.min_score:
                    continue
                if entity.entity_type == "EMAIL_ADDRESS" and is_recipients_own(entity, message.recipient):
                    continue
                if origin_of(entity.text, part, message, self.ctx.template_sources) == "template":
                    continue  # the company's own help line or office address, the same for everyone
                found.add(entity.entity_type)
        return sorted(found)


class InvalidAddress(AddressCheck):
    rule_id = "invalid-address"
    Params = InvalidParams

    @cached_property
    def matcher(self) -> InvalidMatcher:
        return InvalidMatcher.build(self.params)

    def check_message(self, message: ScanMessage) -> Iterable[Finding]:
        for address in message.addressees:
            result = self.matcher.reason(address)
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

    @cached_property
    def matcher(self) -> DisposableMatcher:
        return DisposableMatcher.build(self.params)

    def check_message(self, message: ScanMessage) -> Iterable[Finding]:
        for address in message.addressees:
            reason = self.matcher.reason(address) if address else None
            if reason is None:
                continue
            yield self.address_finding(
                message,
                address,
                f"is at a {reason}: whoever reads that inbox later may not be the customer",
                extra={"reason": reason},
            )
