"""disposable-address: an address at a throwaway-mail domain: whoever reads it later may not be the customer."""

from __future__ import annotations

from collections.abc import Iterable

from dlp.checks.address_rules import (
    DisposableMatcher,
    DisposableParams,
)
from dlp.checks.addressing import AddressCheck
from dlp.model import Finding, ScanMessage


class DisposableAddress(AddressCheck):
    detector = "disposable-address"
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
