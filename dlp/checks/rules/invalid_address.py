"""invalid-address: an address that cannot be a real mailbox (broken syntax, a typo'd major domain)."""

from __future__ import annotations

from collections.abc import Iterable

from dlp.checks.address_rules import (
    InvalidMatcher,
    InvalidParams,
)
from dlp.checks.addressing import AddressCheck
from dlp.model import Finding, ScanMessage


class InvalidAddress(AddressCheck):
    detector = "invalid-address"
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
