"""shared-address across an audited archive: one mailbox that kept receiving mail meant for different
people.

This is the telco incident: staff typed one "dummy" address for customers who declined to give theirs,
and a stranger received their contracts for years. No single message looks wrong; only the archive
shows that one address was greeted as "Anna Rossi", "Marco Bianchi" and "Giulia Verdi". The person a
message is for comes from the To display name, the greeting line ("Dear X", "Gentile X", ...), or an
account-holder line. Names are compared by their words, so "Anna" and "Anna Rossi" are one person.

Only the author's own words are read (`dlp.checks.readable.own_words`): a reply quoting "> Hi Marco,"
was not addressed to Marco. One name reaches an archive in several encodings (RFC 2047, raw Latin-1
bytes read as UTF-8, mojibake, capitals, accents): words are folded to one form, and a character that
could not be decoded (U+FFFD) matches any letter, so "José", "JOSE" and "Jos\ufffd" are one person.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from dlp.checks.base import Check
from dlp.checks.readable import own_words
from dlp.model import Finding, PartKind, ScanMessage
from dlp.redact import redact_address, redact_value

NAME_WORD = r"[^\W\d_][\w'’.-]*"
NAME = rf"({NAME_WORD}(?:[ \t]+{NAME_WORD}){{0,3}})"


class Params(BaseModel):
    # Shares its rule entry with the recipient-list check of the same rule: ignore the other's parameters.
    model_config = ConfigDict(extra="ignore")
    min_people: int = Field(2, ge=2)
    greetings: list[str] = Field(
        default_factory=lambda: [
            "dear",
            "hi",
            "hello",
            "hey",
            "good morning",
            "good afternoon",
            "gentile",
            "gentili",
            "caro",
            "cara",
            "buongiorno",
            "salve",
            "hallo",
            "liebe",
            "lieber",
            "sehr geehrte",
            "sehr geehrter",
            "guten tag",
            "bonjour",
            "cher",
            "chère",
            "madame",
            "monsieur",
            "hola",
            "estimado",
            "estimada",
            "querido",
            "querida",
            "beste",
            "geachte",
            "olá",
            "caro cliente",
        ]
    )
    titles: list[str] = Field(
        default_factory=lambda: [
            "mr",
            "mrs",
            "ms",
            "miss",
            "dr",
            "prof",
            "herr",
            "frau",
            "sig",
            "sig.ra",
            "sigra",
            "signor",
            "signora",
            "dott",
            "dott.ssa",
            "m",
            "mme",
            "mlle",
            "sr",
            "sra",
            "señor",
            "señora",
            "dhr",
            "mevr",
        ]
    )
    generic_names: list[str] = Field(
        default_factory=lambda: [
            "customer",
            "customers",
            "client",
            "cliente",
            "clienti",
            "kunde",
            "kundin",
            "kunden",
            "sir",
            "madam",
            "sir or madam",
            "all",
            "team",
            "there",
            "friend",
            "friends",
            "member",
            "members",
            "valued customer",
            "user",
            "subscriber",
            "colleague",
            "colleagues",
            "everyone",
            "folks",
            "utente",
            "abbonato",
            "signori",
            "damen und herren",
            "madame monsieur",
            "usuario",
            "usuaria",
            "amigo",
            "amiga",
        ]
    )
    holder_labels: list[str] = Field(
        default_factory=lambda: [
            "account holder",
            "customer name",
            "name on account",
            "name on the account",
            "contract holder",
            "intestatario",
            "intestataria",
            "kontoinhaber",
            "kontoinhaberin",
            "titulaire",
            "titular",
        ]
    )
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


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", _unmojibake(text).casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _same_word(a: str, b: str) -> bool:
    """Equal, or equal where one side has an undecodable character (one byte of a Latin-1 letter)."""
    if a == b:
        return True
    if UNDECODED not in a and UNDECODED not in b:
        return False
    return len(a) == len(b) and all(x == y or UNDECODED in (x, y) for x, y in zip(a, b, strict=True))


def _covers(big: frozenset[str], small: frozenset[str]) -> bool:
    """Every word of `small` is a word of `big` (encodings aside): the same person, or a fuller form."""
    return all(w in big or any(_same_word(w, v) for v in big) for w in small)


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


class ArchiveSharedAddress(Check):
    rule_id = "shared-address"
    Params = Params

    def __init__(self, rule, ctx) -> None:
        super().__init__(rule, ctx)
        words = "|".join(re.escape(g) for g in sorted(self.params.greetings, key=len, reverse=True))
        titles = "|".join(re.escape(t) for t in sorted(self.params.titles, key=len, reverse=True))
        labels = "|".join(re.escape(h) for h in sorted(self.params.holder_labels, key=len, reverse=True))
        self.greeting = re.compile(
            rf"^[ \t]*(?i:{words})[ \t]+(?:(?i:{titles})\.?[ \t]+)?{NAME}[ \t]*[,!:;]", re.MULTILINE
        )
        self.holder = re.compile(
            rf"(?i:{labels})[ \t]*[:：][ \t]*(?:(?i:{titles})\.?[ \t]+)?{NAME}[ \t]*$", re.MULTILINE
        )
        self.titles = {_fold(t).rstrip(".") for t in self.params.titles}
        self.generic = {_fold(g) for g in self.params.generic_names}
        self.mailboxes: dict[str, _Mailbox] = {}  # addresses that have seen two or more people
        self.single: dict[int, tuple[frozenset[str], str, int, str, str, str]] = {}  # hash(address) -> one person

    def _tokens(self, name: str) -> frozenset[str] | None:
        words = [w.strip(".'’-") for w in _fold(name).split()]
        words = [w for w in words if w and w not in self.titles]
        if not words or " ".join(words) in self.generic or any(w in self.generic for w in words[:1]):
            return None
        if not name.strip()[:1].isupper():
            return None
        return frozenset(words)

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
        if self.ctx.recipient_list is not None:
            return ()  # campaigns: the recipient-list check knows who each row is
        to = message.named_addresses("To")
        if len(to) != 1:
            return ()  # a message to several people greets none of them by name
        display, address = to[0]
        month = message.month()
        where = f"{message.source} msg {message.index}"
        # One message is addressed to one person: the first name found (To display name, else greeting,
        # else account-holder line). A greeting that disagrees with the display name in the same message
        # (a note to self, a forward) says nothing about who else reads this mailbox.
        named = False
        for name in self.names_in(message, display.strip()):
            tokens = self._tokens(name)
            if tokens is not None:
                self._person(address, tokens, name, where)
                named = True
                break
        box = self.mailboxes.get(address)
        if box is not None:
            box.seen(month, where)
        elif named:
            key = hash(address)
            tokens, shown, messages, first, last, first_where = self.single[key]
            first = month if first == "unknown" else min(first, month) if month != "unknown" else first
            last = month if last == "unknown" else max(last, month) if month != "unknown" else last
            self.single[key] = (tokens, shown, messages + 1, first, last, first_where)
        return ()

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

    def finish(self) -> Iterable[Finding]:
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
