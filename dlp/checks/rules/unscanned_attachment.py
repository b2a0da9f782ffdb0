"""unscanned-attachment: an attachment dlp could not read is reported, never passed silently."""

from __future__ import annotations

from collections.abc import Iterable

from dlp.checks.base import Check
from dlp.model import Finding, ScanMessage


class UnscannedAttachment(Check):
    detector = "unscanned-attachment"

    def check_message(self, message: ScanMessage) -> Iterable[Finding]:
        for item in message.unreadable:
            if item.unsafe:
                continue  # refused on purpose: unsafe-attachment-path reports it, at block
            yield self.finding(
                f"{item.field} could not be scanned: {item.reason}",
                scan_message=message,
                field=item.field,
                where=f"{item.field}:{item.reason}",
            )
