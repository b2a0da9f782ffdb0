"""What the entity rules share (sensitive-data, personal-data; placeholder-address reads the same helpers):
Presidio entities in what the recipient will read.

Both rules read the same entities (the analysis stage, `dlp.analysis`, once per message part); each keeps the
entity types listed in its rule parameters. Personalisation is not a leak: the recipient's own name and
own address in their own message, and the sender's own addresses, are skipped for personal-data.
Sensitive data is reported even when it is the recipient's own: an emailed SSN is exposed in transit
and in every mailbox it is forwarded to.

The campaign's own contact details are allowlisted automatically for personal-data: the From/Reply-To
addresses, values written literally in the template, and (for archives and single messages, where there
is no template) phone numbers, addresses and names that appear in EVERY scanned message once at least
`static_min_messages` messages were scanned: a footer every customer gets is the company's, not a leak.
Those candidates are held back until the end of the scan to know whether they were in every message.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace

from pydantic import BaseModel, ConfigDict, Field

from dlp.analysis.stage import AnalyzedMessage
from dlp.checks.base import Check, excerpt_for, line_at
from dlp.columns import header_names
from dlp.detect.catalogue import COMPANY_CONTACT_TYPES
from dlp.detect.entities import Entity
from dlp.model import Finding, Part, Recipient, ScanMessage

_WORD = re.compile(r"[^\W\d_]+")
ADDRESS_COLUMNS = header_names("street_address")


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entities: list[str] = Field(default_factory=list)
    min_score: float = Field(0.5, ge=0, le=1)
    person_min_score: float = Field(0.85, ge=0, le=1)
    static_min_messages: int = Field(3, ge=2)  # a value in every one of at least this many messages is the sender's


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def is_recipients_own(entity: Entity, recipient: Recipient | None) -> bool:
    if recipient is None:
        return False
    value = _norm(entity.text)
    if entity.entity_type == "EMAIL_ADDRESS":
        return value == recipient.email.lower()
    if entity.entity_type == "PERSON":
        own_words = {w for name in recipient.names for w in _WORD.findall(name.lower())}
        words = _WORD.findall(value)
        return bool(words) and all(w in own_words for w in words)
    if entity.entity_type == "STREET_ADDRESS":
        for own in (*(recipient.columns.get(c) for c in ADDRESS_COLUMNS), *recipient.values_of("street_address")):
            if isinstance(own, str) and own.strip() and (_norm(own) in value or value in _norm(own)):
                return True
    return False


def origin_of(value: str, part: Part, message: ScanMessage, sources: dict[str, str]) -> str:
    """'template' when the value is literal in the template (every recipient gets it), else the column."""
    source = sources.get(part.origin)
    if source is not None and value in source:
        return "template"
    if message.recipient is not None:
        lowered = _norm(value)
        for column, cell in message.recipient.columns.items():
            if isinstance(cell, str | int | float) and str(cell).strip():
                cell_norm = _norm(str(cell))
                if cell_norm == lowered or (len(cell_norm) >= 4 and (cell_norm in lowered or lowered in cell_norm)):
                    return f"variable:{column}"
    return "rendered"


def origin_and_place(
    entity: Entity, part: Part, message: ScanMessage, sources: dict[str, str]
) -> tuple[str, tuple[str, int | None, int | None] | None]:
    """Origin and template place of an entity: from the renderer's provenance when the part has it (literal
    text of the template, or the column a plain `{{ name }}` injected), else by searching the template."""
    provenance = part.provenance
    if provenance is not None:
        known = provenance.origin(entity.start, entity.end)
        if known is not None:
            return known
        span = provenance.span_at(entity.start, entity.end)
        where = (span.slot.template, span.slot.line, span.slot.column) if span is not None else None
        return origin_of(entity.text, part, message, sources), where
    return origin_of(entity.text, part, message, sources), None


class EntityFilter:
    """Which entities a check counts: its entity types, each at its score threshold (PERSON higher)."""

    def __init__(self, entities: Iterable[str], min_score: float, person_min_score: float) -> None:
        self.entities = frozenset(entities)
        self.min_score = min_score
        self.person_min_score = person_min_score

    def wanted(self, entity: Entity) -> bool:
        if entity.entity_type not in self.entities:
            return False
        threshold = self.person_min_score if entity.entity_type == "PERSON" else self.min_score
        return entity.score >= threshold


class EntityCheck(Check):
    Params = Params
    skip_own_data = False

    def __init__(self, rule, scope, **compiled) -> None:
        super().__init__(rule, scope, **compiled)
        self.filter = EntityFilter(self.params.entities, self.params.min_score, self.params.person_min_score)
        self.entities = self.filter.entities
        self._held: list[Finding] = []
        self._messages_with: Counter = Counter()
        self._last_message: dict[tuple, int] = {}
        self._messages_seen = 0

    def entities_needed(self) -> frozenset[str]:
        return self.entities

    def wanted(self, entity: Entity) -> bool:
        return self.filter.wanted(entity)

    def not_personal(self, entity: Entity, part: Part, message: ScanMessage) -> bool:
        """A value of this shape that is nobody's personal data where it stands (see PersonalData)."""
        return False

    def is_expected(self, entity: Entity, message: ScanMessage, origin: str) -> bool:
        if not self.skip_own_data:
            return False
        if is_recipients_own(entity, message.recipient):
            return True
        if entity.entity_type == "EMAIL_ADDRESS" and (
            self.scope.is_internal(entity.text) or entity.text.lower() in message.sender_addresses
        ):
            return True
        return origin == "template" and entity.entity_type in COMPANY_CONTACT_TYPES

    def card_by_chance(self, entity: Entity, origin: str) -> bool:
        """A Luhn-valid number injected from a column whose values are mostly not Luhn-valid (tokens, ids):
        chance, not a card (`dlp.valueindex.ColumnShape`)."""
        if entity.entity_type != "CREDIT_CARD" or not origin.startswith("variable:"):
            return False
        from dlp.valueindex import column_key, column_shapes

        shape = column_shapes(self.scope).get(column_key(origin.partition(":")[2]))
        return shape is not None and shape.card_coincidence

    def check(self, analyzed: AnalyzedMessage) -> Iterable[Finding]:
        self._messages_seen += 1
        message = analyzed.message
        for part, entities in analyzed.content():
            for entity in entities:
                if not self.wanted(entity) or self.not_personal(entity, part, message):
                    continue
                origin, where = origin_and_place(entity, part, message, self.scope.template_sources)
                if self.is_expected(entity, message, origin) or self.card_by_chance(entity, origin):
                    continue
                finding = self.entity_finding(entity, part, message, origin)
                if where is not None:
                    finding = finding.with_changes(
                        location=replace(
                            finding.location, template=where[0], template_line=where[1], template_column=where[2]
                        )
                    )
                if self.skip_own_data and origin == "rendered" and entity.entity_type in COMPANY_CONTACT_TYPES:
                    self.hold(finding, message)
                    continue
                yield finding

    def entity_finding(self, entity: Entity, part: Part, message: ScanMessage, origin: str) -> Finding:
        kind = entity.entity_type.replace("_", " ").lower()
        return self.finding(
            f"{kind} in {part.field}"
            + (" (literal in the template: every recipient gets it)" if origin == "template" else ""),
            scan_message=message,
            field=part.field,
            line=line_at(part.text, entity.start),
            value=entity.text,
            excerpt=excerpt_for(part.text, entity.start, entity.end, entity.entity_type),
            entity_type=entity.entity_type,
            where=f"{part.origin}:{entity.entity_type}",
            origin=origin,
            score=entity.score,
            extra={"recognizer": entity.recognizer} if entity.recognizer else None,
        )

    # -- values in every message are the sender's ------------------------------------------------

    def hold(self, finding: Finding, message: ScanMessage) -> None:
        key = (finding.entity_type, _norm(finding.value or ""))
        if self._last_message.get(key) != message.index:
            self._last_message[key] = message.index
            self._messages_with[key] += 1
        self._held.append(finding)

    def finish(self) -> Iterable[Finding]:
        everywhere = self._messages_seen >= self.params.static_min_messages
        for finding in self._held:
            key = (finding.entity_type, _norm(finding.value or ""))
            if everywhere and self._messages_with[key] >= self._messages_seen:
                continue
            yield finding
        self._held.clear()
