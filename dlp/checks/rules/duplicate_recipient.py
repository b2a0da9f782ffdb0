"""shared-address and duplicate-recipient: what only the whole recipient list can tell.

Both read the one streamed pass over the list (`dlp.checks.recipient_list_pass`), built once per scan by
the scope.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field

from dlp.checks.base import Check
from dlp.checks.recipient_list_pass import Group
from dlp.model import Finding
from dlp.redact import redact_address


def _rows_text(group: Group) -> str:
    more = group.row_count - len(group.rows)
    return ", ".join(str(r) for r in sorted(group.rows)) + (f" and {more} more" if more > 0 else "")


class SharedAddress(Check):
    """Parameters: `min_people` (default 2), how many distinct people on one address make it shared.

    People are told apart by the list's identity columns (customer/account id, else name columns; set
    `identity_columns` in the campaign). Rows without an id or name do not count as a person.
    """

    rule_id = "shared-address"

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        min_people: int = Field(2, ge=2)

    def finish(self) -> Iterable[Finding]:
        result = self.scope.list_pass
        if result is None:
            return
        for group in result.groups.values():
            people = len(group.people)
            if people < self.params.min_people:
                continue
            yield _group_finding(
                self,
                result,
                group,
                f"is the address of {people} different people (rows {_rows_text(group)}): a placeholder typed in "
                "by staff, or a shared inbox; every one of their messages would reach the same mailbox",
                where="list",
                count=group.row_count,
                extra={"people": people},
            )


class DuplicateRecipient(Check):
    """The same person listed more than once at the same address: they would get the message twice."""

    rule_id = "duplicate-recipient"

    def finish(self) -> Iterable[Finding]:
        result = self.scope.list_pass
        if result is None:
            return
        for group in result.groups.values():
            if not group.duplicate_rows:
                continue
            yield _group_finding(
                self,
                result,
                group,
                f"appears on {group.row_count} rows (rows {_rows_text(group)}) with {group.duplicate_rows} "
                "repeat(s) of the same person: they would get the message more than once",
                where="duplicate",
                count=group.duplicate_rows,
            )


def _group_finding(check: Check, result, group, what: str, *, where: str, count: int, extra=None) -> Finding:
    """A finding about one address of the list and the rows that carry it."""
    return check.finding(
        f"{redact_address(group.address)} {what}",
        field=result.email_column,
        value=group.address,
        excerpt=redact_address(group.address),
        entity_type="EMAIL_ADDRESS",
        where=where,
        count=count,
        extra={**(extra or {}), "rows": sorted(group.rows), "row_count": group.row_count},
        recipients=(group.address,),
    )
