"""shared-address: one address bound to two or more distinct people.

In a campaign, the recipient list shows it (`dlp.checks.recipient_list_pass`: one address on rows of
different customers). Across an audited archive, one mailbox kept receiving mail meant for different
people.

This is the telco incident: staff typed one "dummy" address for customers who declined to give theirs,
and a stranger received their contracts for years. No single message looks wrong; only the archive
shows that one address was greeted as "Anna Rossi", "Marco Bianchi" and "Giulia Verdi". The person a
message is for comes from the To display name, the greeting line ("Dear X", "Gentile X", ...), or an
account-holder line. Names are compared by their words, so "Anna" and "Anna Rossi" are one person.

Only the author's own words are read (`dlp.checks.readable.own_words`): a reply quoting "> Hi Marco,"
was not addressed to Marco. One name reaches an archive in several encodings and orders (RFC 2047, raw
Latin-1 bytes read as UTF-8, mojibake, UTF-7 written raw, capitals, accents, "Last, First"): words are
folded to one form, and a character that could not be decoded (U+FFFD) matches any letter, so "José",
"JOSE" and "Jos\ufffd" are one person.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from dlp.checks.base import Check, vocabulary
from dlp.checks.mailboxes import posting_addresses
from dlp.checks.readable import own_words
from dlp.checks.recipient_list_pass import group_finding, rows_text
from dlp.model import Finding, PartKind, ScanMessage
from dlp.redact import redact_address, redact_value

NAME_WORD = r"[^\W\d_][\w'’.-]*"
NAME = rf"({NAME_WORD}(?:[ \t]+{NAME_WORD}){{0,3}})"


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min_people: int = Field(2, ge=2)
    # Word lists of the shared vocabulary (rules/default.yaml `vocabulary:`), extendable from a rules file.
    greetings: list[str] = vocabulary("greetings")
    titles: list[str] = vocabulary("titles")
    generic_names: list[str] = vocabulary("generic_names")
    holder_labels: list[str] = vocabulary("holder_labels")
    max_names_per_address: int = Field(20, ge=2)


UNDECODED = "\ufffd"


def _unmojibake(text: str) -> str:
    """UTF-8 read as Latin-1 ("JosÃ©") back to what was written; anything else unchanged."""
    if not any("\u00c0" <= ch <= "\u00ff" for ch in text):
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


_UTF7_SHIFT = re.compile(r"\+[A-Za-z0-9/]{2,}-")  # "M+APw-ller": a UTF-7 header written raw (Netscape 4)


def _unutf7(text: str) -> str:
    """UTF-7 shift sequences written raw in a header ("Heinz M+APw-ller") back to their letters."""

    def decoded(match: re.Match[str]) -> str:
        try:
            out = match.group().encode("ascii").decode("utf-7")
        except UnicodeError:
            return match.group()
        return out if out.isalpha() else match.group()

    return _UTF7_SHIFT.sub(decoded, text) if "+" in text else text


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", _unmojibake(_unutf7(text)).casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _same_word(a: str, b: str) -> bool:
    """Equal, or equal where one side has an undecodable character (one byte of a Latin-1 letter)."""
    if a == b:
        return True
    if UNDECODED not in a and UNDECODED not in b:
        return False
    return len(a) == len(b) and all(x == y or UNDECODED in (x, y) for x, y in zip(a, b, strict=True))


INITIALS = "#"  # marks a token written as initials: "KH" in "Greg KH", "T." in "T. Bogendoerfer"
INITIALS_AS_WRITTEN = re.compile(r"(?:[A-Z]\.){1,3}|[A-Z]{1,3}")


def _covers(big: frozenset[str], small: frozenset[str]) -> bool:
    """Every word of `small` is a word of `big` (encodings aside), or initials of big's other words
    ("Greg KH" in "Greg Kroah-Hartman", "T. Bogendoerfer" in "Thomas Bogendoerfer"): the same person, or a
    fuller form. An abbreviated form says no less than the given name or surname alone, which already
    counts as the same person; a nickname ("Tom" for "Thomas") is not matched (docs/real-mail.md says why)."""
    others = [part[:1] for w in big - small if not w.startswith(INITIALS) for part in w.split("-") if part]
    for w in small:
        if w in big or any(_same_word(w, v) for v in big):
            continue
        if w.startswith(INITIALS) and (w[1:] in big or not Counter(w[1:]) - Counter(others)):
            continue
        return False
    return True


@dataclass
class _Mailbox:
    people: list[frozenset[str]] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)  # a display form per person, redacted on output
    messages: int = 0
    first: str = ""
    last: str = ""
    where: list[str] = field(default_factory=list)

    def seen(self, month: str, where: str) -> None:
        self.messages += 1
        if month != "unknown":
            self.first = month if self.first == "unknown" else min(self.first, month)
            self.last = month if self.last == "unknown" else max(self.last, month)
        if len(self.where) < 3 and where not in self.where:
            self.where.append(where)

    def add(self, tokens: frozenset[str], display: str, cap: int) -> None:
        for i, known in enumerate(self.people):
            if _covers(known, tokens):
                return
            if _covers(tokens, known):  # a fuller form of someone already seen ("Anna" -> "Anna Rossi")
                self.people[i] = tokens
                self.shown[i] = display
                return
        if len(self.people) < cap:
            self.people.append(tokens)
            self.shown.append(display)


@dataclass(frozen=True)
class _Salutations:
    """The greeting and account-holder patterns, compiled once per rule set."""

    greeting: re.Pattern[str]
    holder: re.Pattern[str]
    titles: frozenset[str]
    generic: frozenset[str]


@dataclass(frozen=True)
class Sighting:
    """One message to one address: where and when, and the person it greeted (word set, name as written)."""

    address: str
    month: str
    source: str
    index: int
    person: tuple[frozenset[str], str] | None


class SharedAddress(Check):
    """In a campaign, people are told apart by the list's identity columns (customer/account id, else name
    columns; set `identity_columns` in the campaign); rows without an id or name do not count as a person.
    Across an archive, by the name each message is addressed to."""

    detector = "shared-address"
    Params = Params

    @classmethod
    def compile(cls, rule, params: Params) -> _Salutations:
        words = "|".join(re.escape(g) for g in sorted(params.greetings, key=len, reverse=True))
        titles = "|".join(re.escape(t) for t in sorted(params.titles, key=len, reverse=True))
        labels = "|".join(re.escape(h) for h in sorted(params.holder_labels, key=len, reverse=True))
        return _Salutations(
            greeting=re.compile(
                rf"^[ \t]*(?i:{words})[ \t]+(?:(?i:{titles})\.?[ \t]+)?{NAME}[ \t]*[,!:;]", re.MULTILINE
            ),
            holder=re.compile(rf"(?i:{labels})[ \t]*[:：][ \t]*(?:(?i:{titles})\.?[ \t]+)?{NAME}[ \t]*$", re.MULTILINE),
            titles=frozenset(_fold(t).rstrip(".") for t in params.titles),
            generic=frozenset(_fold(g) for g in params.generic_names),
        )

    def __init__(self, rule, scope, **compiled) -> None:
        super().__init__(rule, scope, **compiled)
        self.greeting = self.compiled.greeting
        self.holder = self.compiled.holder
        self.titles = self.compiled.titles
        self.generic = self.compiled.generic
        self.mailboxes: dict[str, _Mailbox] = {}  # addresses that have seen two or more people
        self.single: dict[int, tuple[frozenset[str], str, int, str, str, str]] = {}  # hash(address) -> one person

    def _tokens(self, name: str) -> frozenset[str] | None:
        # "Rossi, Anna" (the Last, First form of a directory) is the words Rossi and Anna.
        written = [(w, _fold(w).strip(".,;:'’\"()-")) for w in name.split()]
        written = [(w, plain) for w, plain in written if plain and plain not in self.titles]
        words = [plain for _w, plain in written]
        if not words or " ".join(words) in self.generic or any(w in self.generic for w in words[:1]):
            return None
        if not name.strip()[:1].isupper():
            return None
        return frozenset(
            INITIALS + plain.replace(".", "") if INITIALS_AS_WRITTEN.fullmatch(w) else plain for w, plain in written
        )

    def names_in(self, message: ScanMessage, display: str) -> list[str]:
        names = []
        if display and "@" not in display:
            names.append(display)
        body = next((p for p in message.parts if p.kind in (PartKind.TEXT, PartKind.HTML)), None)
        if body is not None:
            text = own_words(body.text[:20000])
            match = self.greeting.search(text[:2000])
            if match:
                names.append(match.group(1))
            for match in self.holder.finditer(text):
                names.append(match.group(1))
        return names

    def check_message(self, message: ScanMessage) -> Iterable[Finding]:
        sighting = self.observe(message)
        if sighting is not None:
            self.record(sighting)
        return ()

    def observe(self, message: ScanMessage) -> Sighting | None:
        """What one message tells about its mailbox: the address, month and (if named) the person greeted.

        Split from `record` so that partitions of an archive scanned apart (`dlp.cluster`) can hand their
        sightings over and have them recorded in archive order, giving the same books as one pass."""
        if self.scope.recipient_list is not None:
            return None  # campaigns: the recipient-list check knows who each row is
        to = message.named_addresses("To")
        if len(to) != 1:
            return None  # a message to several people greets none of them by name
        display, address = to[0]
        if address in posting_addresses(message):
            return None  # a post to its own mailing list: "Linux MIPS", "mipslist" name the list, not people
        # One message is addressed to one person: the first name found (To display name, else greeting,
        # else account-holder line). A greeting that disagrees with the display name in the same message
        # (a note to self, a forward) says nothing about who else reads this mailbox.
        person = None
        for name in self.names_in(message, display.strip()):
            tokens = self._tokens(name)
            if tokens is not None:
                person = (tokens, name)
                break
        return Sighting(address, message.month(), message.source, message.index, person)

    def record(self, sighting: Sighting) -> None:
        address, month = sighting.address, sighting.month
        where = f"{sighting.source} msg {sighting.index}"
        if sighting.person is not None:
            tokens, name = sighting.person
            self._person(address, tokens, name, where)
        box = self.mailboxes.get(address)
        if box is not None:
            box.seen(month, where)
        elif sighting.person is not None:
            key = hash(address)
            tokens, shown, messages, first, last, first_where = self.single[key]
            first = month if first == "unknown" else min(first, month) if month != "unknown" else first
            last = month if last == "unknown" else max(last, month) if month != "unknown" else last
            self.single[key] = (tokens, shown, messages + 1, first, last, first_where)

    def _person(self, address: str, tokens: frozenset[str], shown: str, where: str) -> None:
        """Most addresses only ever see one person: keep those as one compact tuple under the address's
        hash, and build a full record only when a second person turns up."""
        box = self.mailboxes.get(address)
        if box is not None:
            box.add(tokens, shown, self.params.max_names_per_address)
            return
        key = hash(address)
        known = self.single.get(key)
        if known is None:
            self.single[key] = (tokens, shown, 0, "unknown", "unknown", where)
            return
        old_tokens, old_shown, messages, first, last, first_where = known
        if _covers(old_tokens, tokens):
            return
        if _covers(tokens, old_tokens):  # a fuller form of the same person ("Anna" -> "Anna Rossi")
            self.single[key] = (tokens, shown, messages, first, last, first_where)
            return
        del self.single[key]
        box = self.mailboxes[address] = _Mailbox(messages=messages, first=first, last=last, where=[first_where])
        box.add(old_tokens, old_shown, self.params.max_names_per_address)
        box.add(tokens, shown, self.params.max_names_per_address)

    def _list_finish(self) -> Iterable[Finding]:
        result = self.scope.list_pass
        if result is None:
            return
        for group in result.groups.values():
            people = len(group.people)
            if people < self.params.min_people:
                continue
            yield group_finding(
                self,
                result,
                group,
                f"is the address of {people} different people (rows {rows_text(group)}): a placeholder typed in "
                "by staff, or a shared inbox; every one of their messages would reach the same mailbox",
                where="list",
                count=group.row_count,
                extra={"people": people},
            )

    def finish(self) -> Iterable[Finding]:
        if self.scope.recipient_list is not None:
            yield from self._list_finish()
            return
        for address, box in self.mailboxes.items():
            people = len(box.people)
            if people < self.params.min_people:
                continue
            span = f", {box.first} to {box.last}" if box.first and box.first != "unknown" else ""
            names = ", ".join(redact_value(n, "PERSON") for n in box.shown[:5])
            yield self.finding(
                f"one mailbox received mail addressed to {people} different people ({box.messages} messages{span})",
                field="To",
                value=address,
                excerpt=f"{redact_address(address)}: {names}",
                where="archive",
                count=box.messages,
                extra={
                    "people": people,
                    "messages": box.messages,
                    "first": box.first,
                    "last": box.last,
                    "examples": box.where,
                },
                recipients=(address,),
            )
