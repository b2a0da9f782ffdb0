"""cross-recipient-leak: a value that identifies a DIFFERENT recipient of the same campaign.

The misfiled statement, the merge shifted by a row, the "referred by" line with another customer's
phone: each message looks fine alone, only the whole list shows whose data it is. The list is indexed
once (`dlp.valueindex`); each message part is matched against it in one pass. The recipient's own
values are personalisation, not a leak; values printed literally in the template are the sender's.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field

from dlp.checks.base import Check, excerpt_for, line_at
from dlp.detect.catalogue import kind_word
from dlp.model import Finding, Part, PartKind, ScanMessage
from dlp.redact import redact_address
from dlp.valueindex import Match, ValueIndex, words

# Address headers a recipient reads: another customer's address in Cc is their data too. From and
# Bcc are the sender's and the envelope's.
READ_ADDRESS_HEADERS = frozenset({"To", "Cc", "Reply-To"})
SKIPPED_HEADERS = frozenset({"From", "Bcc", "Sender", "Return-Path"})


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")
    region: str = Field("US", description="phone numbers without a country code are read in this region")
    max_owners: int = Field(3, ge=1, description="a value held by more people identifies nobody")
    min_digits: int = Field(5, ge=3, description="shorter numbers match by chance")
    min_chars: int = Field(5, ge=3, description="shorter words match by chance")
    max_findings_per_part: int = Field(20, ge=1, description="beyond this, one summary finding per part")


def parts_to_scan(message: ScanMessage) -> Iterable[Part]:
    for part in message.parts:
        if part.kind == PartKind.HEADER and part.field in SKIPPED_HEADERS:
            continue
        if part.kind == PartKind.HEADER and part.field in READ_ADDRESS_HEADERS and message.recipient is None:
            continue  # a broadcast's To lists everyone: exposed-recipients' business
        yield part


class TemplateText:
    """Normalised template sources: a value written into the template reaches everyone, so it is the
    sender's (a help line, a signature), not a recipient's."""

    def __init__(self, sources: dict[str, str]) -> None:
        self.sources = sources
        self.normalised: dict[str, str] = {}

    def contains(self, origin: str, text: str) -> bool:
        source = self.sources.get(origin)
        if not source:
            return False
        if origin not in self.normalised:
            self.normalised[origin] = " " + " ".join(words(source)) + " "
        return " " + " ".join(words(text)) + " " in self.normalised[origin]


class CrossRecipientLeak(Check):
    detector = "cross-recipient-leak"
    Params = Params

    def __init__(self, rule, scope, **compiled) -> None:
        super().__init__(rule, scope, **compiled)
        self.template = TemplateText(scope.template_sources)

    def check_message(self, message: ScanMessage) -> Iterable[Finding]:
        index = self.scope.recipient_index
        if index is None:
            return
        own = index.identity_of(message.recipient.identity) if message.recipient is not None else None
        for part in parts_to_scan(message):
            yield from self._part(index, message, part, own)

    def _part(self, index: ValueIndex, message: ScanMessage, part: Part, own: int | None) -> Iterable[Finding]:
        by_person: dict[int, list[Match]] = {}
        for match in index.matches(part.text):
            if own is not None and own in match.owners:
                continue
            if self.template.contains(part.origin, part.text[match.start : match.end]):
                continue
            by_person.setdefault(match.owners[0], []).append(match)
        limit = self.params.max_findings_per_part
        for number, (person, matches) in enumerate(by_person.items()):
            if number == limit:
                yield self.finding(
                    f"values of {len(by_person) - limit} more other recipients in {part.field}",
                    scan_message=message,
                    field=part.field,
                    where=f"{part.origin}:more",
                    count=len(by_person) - limit,
                )
                return
            yield self._finding(index, message, part, person, matches)

    def _finding(
        self, index: ValueIndex, message: ScanMessage, part: Part, person: int, matches: list[Match]
    ) -> Finding:
        row, address = index.describe(person)
        columns = list(dict.fromkeys(index.column(m.column).name for m in matches))
        kinds = list(dict.fromkeys(kind_word(index.column(m.column).kind) for m in matches))
        first = matches[0]
        profile = index.column(first.column)
        entity_type = profile.kind
        shared = f" (shared by {len(first.owners)} recipients)" if len(first.owners) > 1 else ""
        return self.finding(
            f"{', '.join(kinds)} of another recipient (row {row}, {redact_address(address)}){shared} in {part.field}",
            scan_message=message,
            field=part.field,
            line=line_at(part.text, first.start),
            value=part.text[first.start : first.end],
            excerpt=excerpt_for(part.text, first.start, first.end, entity_type),
            entity_type=entity_type,
            where=f"{part.origin}:{','.join(columns)}",
            extra={"other_row": row, "columns": columns, "values": len(matches)},
        )
