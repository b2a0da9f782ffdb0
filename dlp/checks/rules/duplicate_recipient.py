"""duplicate-recipient: the same person listed more than once at the same address.

Reads the one streamed pass over the list (`dlp.checks.recipient_list_pass`), built once per scan by
the scope.
"""

from __future__ import annotations

from collections.abc import Iterable

from dlp.checks.base import Check
from dlp.checks.recipient_list_pass import group_finding, rows_text
from dlp.model import Finding


class DuplicateRecipient(Check):
    """The same person listed more than once at the same address: they would get the message twice."""

    detector = "duplicate-recipient"

    def finish(self) -> Iterable[Finding]:
        result = self.scope.list_pass
        if result is None:
            return
        for group in result.groups.values():
            if not group.duplicate_rows:
                continue
            yield group_finding(
                self,
                result,
                group,
                f"appears on {group.row_count} rows (rows {rows_text(group)}) with {group.duplicate_rows} "
                "repeat(s) of the same person: they would get the message more than once",
                where="duplicate",
                count=group.duplicate_rows,
            )
