"""sensitive-data and personal-data: Presidio entities in what the recipient will read.

Both rules read the same entities (analysed once per message part, see `dlp.analysis`); each keeps the
entity types listed in its rule parameters. Personalisation is not a leak: the recipient's own name and
own address in their own message, and the sender's own addresses, are skipped for personal-data.
Sensitive data is reported even when it is the recipient's own: an emailed SSN is exposed in transit
and in every mailbox it is forwarded to.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field

from dlp.checks.base import Check, excerpt_for, line_at
from dlp.detect.entities import Entity
from dlp.model import Finding, Part, PartKind, Recipient, ScanMessage

ADDRESS_HEADERS = frozenset({"From", "To", "Cc", "Bcc", "Reply-To", "Sender", "Return-Path"})
_WORD = re.compile(r"[^\W\d_]+")
# Written into the template itself, these are the sender's own: the help line, the office address, the
# signature's name. A customer's value arrives through a variable (or as a different recipient's data).
COMPANY_CONTACT_TYPES = frozenset({"PHONE_NUMBER", "STREET_ADDRESS", "EMAIL_ADDRESS", "PERSON"})
ADDRESS_COLUMNS = ("address", "street", "street_address", "address1", "address_line1", "postal_address")


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entities: list[str] = Field(default_factory=list)
    min_score: float = Field(0.5, ge=0, le=1)
    person_min_score: float = Field(0.85, ge=0, le=1)


def scannable_parts(message: ScanMessage) -> Iterable[Part]:
    for part in message.parts:
        if part.kind == PartKind.HEADER and part.field in ADDRESS_HEADERS:
            continue  # addressing is the recipient checks' business
        yield part


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
        for column in ADDRESS_COLUMNS:
            own = recipient.columns.get(column)
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


class EntityCheck(Check):
    Params = Params
    skip_own_data = False

    def __init__(self, rule, ctx) -> None:
        super().__init__(rule, ctx)
        self.entities = frozenset(self.params.entities)

    def wanted(self, entity: Entity) -> bool:
        if entity.entity_type not in self.entities:
            return False
        threshold = self.params.person_min_score if entity.entity_type == "PERSON" else self.params.min_score
        return entity.score >= threshold

    def is_expected(self, entity: Entity, message: ScanMessage, origin: str) -> bool:
        if not self.skip_own_data:
            return False
        if is_recipients_own(entity, message.recipient):
            return True
        if entity.entity_type == "EMAIL_ADDRESS" and self.ctx.is_internal(entity.text):
            return True
        return origin == "template" and entity.entity_type in COMPANY_CONTACT_TYPES

    def check_message(self, message: ScanMessage) -> Iterable[Finding]:
        analyze = self.ctx.analyze
        if analyze is None:
            return
        for part in scannable_parts(message):
            for entity in analyze(part, message):
                if not self.wanted(entity):
                    continue
                origin = origin_of(entity.text, part, message, self.ctx.template_sources)
                if self.is_expected(entity, message, origin):
                    continue
                kind = entity.entity_type.replace("_", " ").lower()
                yield self.finding(
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


class SensitiveData(EntityCheck):
    rule_id = "sensitive-data"


class PersonalData(EntityCheck):
    rule_id = "personal-data"
    skip_own_data = True
