"""What placeholder-address, invalid-address and disposable-address share: is this address a real person's mailbox?

They run per message, on the recipient row's address in a preflight, or on To/Cc/envelope addresses
of a message from `dlp check`, `dlp serve` or an audit, so every entry point gets them. A filler
address is the Sprint/Swisscom incident: staff typed `none@provider` and a stranger who owns that
mailbox received contracts for years; that is why a filler address whose message carries personal data
blocks, and one whose message carries none only warns.
"""

from __future__ import annotations

from collections.abc import Iterable

from dlp.checks.base import Check
from dlp.model import Finding, ScanMessage
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
