"""bulk-personal-data: one message or attachment carrying identifiers of many people.

A broadcast template that loops over `recipients`, a customer export attached to a mail: the data of
many people in one place, one forward away from anyone. People are counted per part (and per message)
as the largest of: distinct recipients of the campaign identified (value index), distinct email
addresses, distinct phone numbers, distinct person names. The largest, not the sum: one person's name,
address and phone are one person. Without a campaign (check, audit, serve) the detected entities alone
count.

People, not mailboxes or metadata (issue 13): role, list and no-reply addresses (`majordomo@`,
`dev@project.org`, the message's own list from List-Id) are nobody's personal data; a Message-ID is an
id, not an address; and header-shaped lines (a forwarded block's From/To/Cc, a patch's Signed-off-by and
Cc trailers, a git shortlog's "Author (3):") are addressing metadata rather than a list of people. The
role words and list hosts are rule parameters, extendable from a rules file.

Contributors are credited, not leaked: a name in a changelog's attribution ("BPF fixes, from Alexei
Starovoitov.", "Patch by Ann Lee", "Thanks to Ann, Bob and Eve."), a GNU or Debian changelog's author line
and a shortlog heading do not count as names of a list of people; their addresses and phone numbers (a
pasted customer list has them in every row) still count. One person is one name: "Marcelo Ricardo
Leitner" read as three entities, or "Eric" and "Dumazet" split by a line break, are one, and a lone
"Wang" beside "Cong Wang" is no second person.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import phonenumbers
from pydantic import BaseModel, ConfigDict, Field

from dlp.analysis.stage import AnalyzedMessage
from dlp.checks.address_rules import fnmatch_any
from dlp.checks.base import Check, vocabulary
from dlp.checks.entity import EntityFilter
from dlp.checks.mailboxes import ADDRESS_IN_TEXT, MACHINE_LOCAL
from dlp.detect.entities import Entity
from dlp.detect.machine_text import is_machine_line
from dlp.model import Finding, Part, ScanMessage, Severity
from dlp.valueindex import ValueIndex, normal_form

# A header or trailer line, also quoted ("> From: ...") or in a forwarded block; a git shortlog heading.
METADATA_LINE = re.compile(
    r"(?im)^[ \t>]*(?:(?:from|to|cc|bcc|reply-to|sender|date|sent|subject|message-id|in-reply-to|references|"
    r"return-path|delivered-to|envelope-to|list-[\w-]+|x-[\w-]+|signed-off-by|acked-by|reviewed-by|tested-by|"
    r"reported-by|suggested-by|co-developed-by|reported-and-tested-by|requested-by|cc-by|link|closes|fixes|"
    r"von|an|kopie|gesendet|betreff|de|à|para|da|a|inviato|envoyé|enviado|objet|oggetto|asunto)[ \t]*:.*|"
    r"[ \t]*[^\W\d_][\w.'’-]*(?:[ \t]+[\w.'’-]+){0,4}(?:[ \t]+<[^<>\s]+>)?[ \t]+\(\d+\):[ \t]*|"
    r"\d{4}-\d\d-\d\d[ \t]+[^\n<]{1,80}<[^<>\s]+>[ \t]*|"  # a GNU ChangeLog entry's author line
    r"[ \t]*--[ \t]+[^\n<]{1,80}<[^<>\s]+>[ \t]+\S.*)$"  # a Debian changelog's trailer line
)
# A contributor credited in a changelog or release note: an attribution word, then names (capitalised
# words, "van der"-style particles, joined by commas, "and" or "&", wrapped over lines) up to the end of
# the item or sentence. Only names count as credited: an address or number in the clause still counts.
_NAME_WORD = r"(?:[A-Z][\w'’.-]*|van|von|der|den|de|da|di|del|du|la|le|bin|al)"
_GAP = r"(?:[ \t]+|[ \t]*\n[ \t]*)"
_NAME_RUN = rf"[A-Z][\w'’.-]*(?:{_GAP}{_NAME_WORD}){{0,4}}"
CREDIT = re.compile(
    r"(?i:\b(?:from|by|thanks(?:[ \t]+(?:go(?:es)?[ \t]+)?to)?|thank[ \t]+you|"
    r"credits?(?:[ \t]+(?:go(?:es)?[ \t]+)?to)?|courtesy[ \t]+of|kudos[ \t]+to|authors?|contributors?))[ \t]*:?"
    rf"{_GAP}(?:{_NAME_RUN}(?:[ \t]*,{_GAP}?(?:and{_GAP})?|{_GAP}(?:and|&){_GAP}))*{_NAME_RUN}"
    r"(?=[ \t]*(?:[.;!)\]]|$))",
    re.MULTILINE,
)
PHONE_LIKE = re.compile(r"\+?\(?\d[\d ().\-/]{5,}\d")
MIN_CHARS_PER_PERSON = 6  # "a@b.cd" or a 7-digit number, plus a separator


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")
    threshold: int = Field(10, ge=2, description="distinct people in one message or attachment")
    internal_severity: Severity = Field(Severity.WARN, description="when every recipient is internal")
    region: str = "US"
    entities: list[str] = Field(default_factory=lambda: ["PERSON", "EMAIL_ADDRESS"])
    min_score: float = Field(0.5, ge=0, le=1)
    person_min_score: float = Field(0.85, ge=0, le=1)
    role_local_parts: list[str] = vocabulary(
        "role_local_parts", "local parts (fnmatch patterns) of role, list and no-reply mailboxes"
    )
    list_domains: list[str] = vocabulary("list_domains", "mailing-list hosts (fnmatch patterns)")


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


class BulkPersonalData(Check):
    detector = "bulk-personal-data"
    Params = Params

    @classmethod
    def compile(cls, rule, params: Params) -> tuple[EntityFilter, re.Pattern[str], re.Pattern[str]]:
        entity_filter = EntityFilter(params.entities, params.min_score, params.person_min_score)
        return entity_filter, fnmatch_any(params.role_local_parts), fnmatch_any(params.list_domains)

    def __init__(self, rule, scope, **compiled) -> None:
        super().__init__(rule, scope, **compiled)
        self.filter, self.role_local, self.list_domain = self.compiled

    def is_person_address(self, address: str, own_lists: set[str]) -> bool:
        """A person's mailbox: not the sender's own, not a role, list or no-reply address (`own_lists`: the
        message's own list, `ScanMessage.list_addresses`), not a Message-ID."""
        local, _, domain = address.casefold().rpartition("@")
        if not local or self.scope.is_internal(address):
            return False
        if self.role_local.match(local) or self.list_domain.match(domain) or MACHINE_LOCAL.match(local):
            return False
        return address.casefold() not in own_lists

    def entities_needed(self) -> frozenset[str]:
        return self.filter.entities

    def check(self, analyzed: AnalyzedMessage) -> Iterable[Finding]:
        message = analyzed.message
        index = self.scope.recipient_index
        total = People()
        reported = False
        for part in message.content_parts:  # visible recipients are exposed-recipients' business
            if part.field == "forwarded.headers":
                continue  # a forwarded message's own addressing: metadata, counted as exposed-recipients
            people = self._people(part, message, index, analyzed.entities_of(part))
            total.update(people)
            if people.count >= self.params.threshold:
                reported = True
                yield self._finding(message, part.field, part.origin, people)
        if not reported and total.count >= self.params.threshold:
            yield self._finding(message, "message", "message", total)

    def _people(self, part: Part, message: ScanMessage, index: ValueIndex | None, entities: list[Entity]) -> People:
        people = People()
        text = part.text
        if len(text) < self.params.threshold * MIN_CHARS_PER_PERSON:
            return people  # too short to name that many people: skip the work
        if index is not None:
            people.recipients = {m.owners[0] for m in index.matches(text)}
        metadata = [m.span() for m in METADATA_LINE.finditer(text)]
        credits = [m.span() for m in CREDIT.finditer(text)]
        own_lists = message.list_addresses
        people.emails = {
            m.group().casefold()
            for m in ADDRESS_IN_TEXT.finditer(text)
            if self.is_person_address(m.group(), own_lists) and not _inside(m.start(), metadata)
        }
        # phonenumbers' own matcher (Presidio's phone recognizer misses most numbers in a CSV's rows), run
        # only where enough number-like runs exist to reach the threshold: it is the slow part. Lines a
        # program printed (a pasted kernel log: thousands of number runs) are no list of people's phones.
        # A number-like run never spans a line, so the text without machine lines has at most the text's
        # runs: below the threshold in the text, the lines need not be sorted at all.
        rows = without_machine_lines(text) if _at_least(PHONE_LIKE, text, self.params.threshold) else ""
        if rows and len(PHONE_LIKE.findall(rows)) >= self.params.threshold:
            for match in phonenumbers.PhoneNumberMatcher(rows, self.params.region):
                people.phones.add(phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164))
        # The analysis stage's entities, the same personal-data reads: no second analysis.
        names: list[Entity] = []
        for entity in entities:
            if not self.filter.wanted(entity) or _inside(entity.start, metadata):
                continue
            if entity.entity_type == "PERSON":
                if not _inside(entity.start, credits):
                    names.append(entity)
            elif entity.entity_type == "PHONE_NUMBER":
                people.phones.add(self._phone(entity.text))
            elif entity.entity_type == "EMAIL_ADDRESS" and self.is_person_address(entity.text, own_lists):
                people.emails.add(entity.text.casefold())
        people.names = distinct_names(text, names)
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
        addresses = message.delivered_to
        return bool(addresses) and all(self.scope.is_internal(a, message) for a in addresses)


def distinct_names(text: str, names: list[Entity]) -> set[str]:
    """One normal form per person: names only whitespace apart are one name ("Eric" and "Dumazet" split by
    a wrapped line), and a one-word name that is a word of another name is that person, not a second."""
    merged: list[str] = []
    end = -1
    for entity in sorted(names, key=lambda e: e.start):
        if merged and end <= entity.start and not text[end : entity.start].strip():
            merged[-1] += " " + entity.text
        else:
            merged.append(entity.text)
        end = max(end, entity.end)
    forms = {normal_form(name) for name in merged}
    words_of_longer = {w for form in forms if " " in form for w in form.split()}
    return {form for form in forms if " " in form or form not in words_of_longer}


def without_machine_lines(text: str) -> str:
    """The text with the lines a program printed (logs, hex dumps: `dlp.detect.machine_text`) left out."""
    return "\n".join(line for line in text.split("\n") if not is_machine_line(line))


def _at_least(pattern: re.Pattern[str], text: str, count: int) -> bool:
    """Whether `pattern` matches at least `count` times in `text` (stops at the count)."""
    return any(number >= count for number, _match in enumerate(pattern.finditer(text), 1))


def _inside(offset: int, spans: list[tuple[int, int]]) -> bool:
    """Whether `offset` falls in one of `spans` (sorted, not overlapping: a regex's matches)."""
    i = bisect.bisect_right(spans, (offset, math.inf)) - 1
    return i >= 0 and offset < spans[i][1]
