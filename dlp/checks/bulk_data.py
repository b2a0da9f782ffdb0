"""bulk-personal-data: one message or attachment carrying identifiers of many people.

A broadcast template that loops over `recipients`, a customer export attached to a mail: the data of
many people in one place, one forward away from anyone. People are counted per part (and per message)
as the largest of: distinct recipients of the campaign identified (value index), distinct email
addresses, distinct phone numbers, distinct person names. The largest, not the sum: one person's name,
address and phone are one person. Without a campaign (check, audit, serve) the detected entities alone
count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.utils import getaddresses

import phonenumbers
from pydantic import BaseModel, ConfigDict, Field

from dlp.checks.personal_data import EntityCheck
from dlp.model import Finding, Part, PartKind, ScanMessage, Severity
from dlp.valueindex import ValueIndex, context_index, normal_form

EMAIL_RE = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
PHONE_LIKE = re.compile(r"\+?\(?\d[\d ().\-/]{5,}\d")
MIN_CHARS_PER_PERSON = 6  # "a@b.cd" or a 7-digit number, plus a separator
ADDRESS_HEADERS = frozenset({"From", "To", "Cc", "Bcc", "Reply-To", "Sender", "Return-Path"})


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")
    threshold: int = Field(10, ge=2, description="distinct people in one message or attachment")
    internal_severity: Severity = Field(Severity.WARN, description="when every recipient is internal")
    region: str = "US"
    entities: list[str] = Field(default_factory=lambda: ["PERSON", "EMAIL_ADDRESS"])
    min_score: float = Field(0.5, ge=0, le=1)
    person_min_score: float = Field(0.85, ge=0, le=1)


@dataclass
class People:
    """Distinct identifiers by kind; `count` is the largest kind."""

    recipients: set[int] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)

    @property
    def count(self) -> int:
        return max(len(self.recipients), len(self.emails), len(self.phones), len(self.names))

    def update(self, other: People) -> None:
        self.recipients |= other.recipients
        self.emails |= other.emails
        self.phones |= other.phones
        self.names |= other.names

    def detail(self) -> dict[str, int]:
        return {
            "list_recipients": len(self.recipients),
            "email_addresses": len(self.emails),
            "phone_numbers": len(self.phones),
            "names": len(self.names),
        }


class BulkPersonalData(EntityCheck):
    rule_id = "bulk-personal-data"
    Params = Params

    def finish(self) -> Iterable[Finding]:
        return ()  # reports per message; the entity checks' hold-back and language notes are not ours

    def check_message(self, message: ScanMessage) -> Iterable[Finding]:
        index = context_index(self.ctx)
        total = People()
        reported = False
        for part in message.parts:
            if part.kind == PartKind.HEADER and part.field in ADDRESS_HEADERS:
                continue  # visible recipients are exposed-recipients' business
            people = self._people(part, message, index)
            total.update(people)
            if people.count >= self.params.threshold:
                reported = True
                yield self._finding(message, part.field, part.origin, people)
        if not reported and total.count >= self.params.threshold:
            yield self._finding(message, "message", "message", total)

    def _people(self, part: Part, message: ScanMessage, index: ValueIndex | None) -> People:
        people = People()
        text = part.text
        if len(text) < self.params.threshold * MIN_CHARS_PER_PERSON:
            return people  # too short to name that many people: skip the work
        if index is not None:
            people.recipients = {m.owners[0] for m in index.matches(text)}
        people.emails = {e.casefold() for e in EMAIL_RE.findall(text) if not self.ctx.is_internal(e)}
        # phonenumbers' own matcher (Presidio's phone recognizer misses most numbers in a CSV's rows), run
        # only where enough number-like runs exist to reach the threshold: it is the slow part.
        if len(PHONE_LIKE.findall(text)) >= self.params.threshold:
            for match in phonenumbers.PhoneNumberMatcher(text, self.params.region):
                people.phones.add(phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164))
        if self.ctx.analyze is None:
            return people
        # The entities personal-data computed already (cached per paragraph): no second analysis.
        for entity in self.ctx.analyze(part, message):
            if not self.wanted(entity):
                continue
            if entity.entity_type == "PERSON":
                people.names.add(normal_form(entity.text))
            elif entity.entity_type == "PHONE_NUMBER":
                people.phones.add(self._phone(entity.text))
            elif entity.entity_type == "EMAIL_ADDRESS" and not self.ctx.is_internal(entity.text):
                people.emails.add(entity.text.casefold())
        return people

    def _phone(self, text: str) -> str:
        try:
            number = phonenumbers.parse(text, self.params.region)
        except phonenumbers.NumberParseException:
            return normal_form(text)
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def _finding(self, message: ScanMessage, where: str, origin: str, people: People) -> Finding:
        internal = self._all_internal(message)
        biggest = max(people.detail().items(), key=lambda item: item[1])[0].replace("_", " ")
        return self.finding(
            f"personal data of {people.count} people in {where} (counted by {biggest})"
            + (" to internal recipients only" if internal else ""),
            scan_message=message,
            field=where,
            where=origin,
            count=people.count,
            severity=self.params.internal_severity if internal else None,
            extra=people.detail(),
        )

    def _all_internal(self, message: ScanMessage) -> bool:
        addresses = [a for _n, a in getaddresses([*message.envelope_to, *message.header("To"), *message.header("Cc")])]
        if message.recipient is not None:
            addresses.append(message.recipient.email)
        addresses = [a for a in addresses if "@" in a]
        return bool(addresses) and all(self.ctx.is_internal(a, message) for a in addresses)
