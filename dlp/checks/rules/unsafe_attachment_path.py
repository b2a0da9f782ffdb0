"""unsafe-attachment-path: an attachment path that leaves the campaign folder or is not a regular file.

`path: "statements/{{ id }}"` is filled from row data; a row with `id: ../../../../etc/passwd`, a symlink
to /etc/shadow, or a path that is /dev/zero or a FIFO must never be attached. The renderer refuses to read
such a file (dlp.safepath); this check makes the refusal a blocking finding, since the send as written
would attach whatever that path names when the mailer reads it.
"""

from __future__ import annotations

from collections.abc import Iterable

from dlp.checks.base import Check
from dlp.model import Finding, ScanMessage


class UnsafeAttachmentPath(Check):
    detector = "unsafe-attachment-path"

    def check_message(self, message: ScanMessage) -> Iterable[Finding]:
        for item in message.unreadable:
            if item.unsafe:
                yield self.finding(
                    f"{item.field}: {item.reason}",
                    scan_message=message,
                    field=item.field,
                    where=f"{item.field}:unsafe",
                )
