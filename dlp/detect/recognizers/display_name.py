"""PERSON where mail's own structure writes a person's display name, in any case and spelling.

Mail names its people in fixed places, whatever the language: the display name of an address in an
address header ('From: Hervé BOUTEMY <h@example.org>', '> To: "Jack M. Nilles" <jn@example.com>',
'Cc: angel Hall-Coulston'), the attribution line of a quote ('On Sun, Sep 3, 2017 at 19:38 abdullah
alamoudi <a@example.com> wrote:', 'Le jeudi 2 novembre 2017, Olivier Lamy a écrit :', 'Am 10.07.20 um
08:47 schrieb Mahmood Naderan:', 'Manfred Moser wrote on 2017-11-08 21:35:') and Outlook's 'On Behalf Of
Joshua'. Names there are often not written as in prose (a surname in capitals, all lower case), so spaCy
and the capitalised-word rules miss them; the place is the evidence. What else sits in those places is a
mailing list, a robot or a team ('Maven Developers List', 'Apache Jenkins Server', 'GitBox') or a login
('dmallor'): words of a list of such words, function words and a lone unlisted word are not a name.
"""

from __future__ import annotations

import regex
from presidio_analyzer import EntityRecognizer, RecognizerResult

from dlp.detect.name_lexicon import lexicon

# One name word as display names write it: "Hervé", "BOUTEMY", "alamoudi", "Manni-Bucau", "O'Donnell", "M."
WORD = r"(?:\p{L}[\p{L}'’]*(?:-\p{L}[\p{L}'’]*)*\.?)"
NAME = rf"(?P<name>{WORD}(?:[ ]{WORD}){{0,3}})"
LAST_FIRST = rf"(?P<name>{WORD}(?:[ -]{WORD})?,[ ]{WORD}(?:[ ]{WORD})?)"
HEADER = (
    r"(?:from|to|cc|bcc|reply-to|sender|sent\s+by|von|an|kopie|cc|de|à|a|para|da|van|aan|envoyé\s+par|"
    r"expéditeur|destinataire|mittente|destinatario|absender|empfänger)"
)
# An address header line, quoted or not: its value is read entry by entry.
HEADER_LINE = regex.compile(rf"(?im)^[ \t>]*(?P<header>{HEADER})[ \t]*:[ \t]*(?P<value>[^\n]+)$")
ADDRESS = r"(?:<\s*[^<>\s]+@[^<>\s]+>|\[mailto:)"
ENTRY = regex.compile(rf"(?:^|[,;][ \t]*)(?:\"[ \t]*(?:{LAST_FIRST}|{NAME})[ \t]*\"|{NAME})[ \t]*{ADDRESS}")
# Outlook's quoted header names the sender without an address: "From: angel Hall-Coulston".
BARE_HEADER = regex.compile(r"(?i)from|von|de|da|van|absender|expéditeur|mittente")
BARE_ENTRY = regex.compile(rf"^(?:\"[ \t]*{LAST_FIRST}[ \t]*\"|{LAST_FIRST}|{NAME})[ \t]*$")
# Quote attributions in the languages dlp serves; the name ends at "<address>", "wrote", "a écrit", ...
ZONE = r"(?:AM|PM|CET|CEST|GMT|UTC|EST|EDT|PST|PDT)"
WROTE = r"(?:wrote|a[ \t]+écrit|escribió|ha[ \t]+scritto|schreef)\b"
ATTRIBUTION = regex.compile(
    rf"(?im)^[ \t>]*(?:"
    rf"(?:on|le|am|el|il|op|en)\b[^\n]{{4,80}}?(?:\d|{ZONE})[,]?[ \t]+(?!{ZONE}\b)\"?{NAME}\"?"
    rf"(?:[ \t]*\n?[ \t>]*{ADDRESS})?[ \t]*\n?[ \t>]*{WROTE}"
    rf"|(?:am|on)\b[^\n]{{4,60}}?\bschrieb[ \t]+\"?{NAME}\"?[ \t]*(?:{ADDRESS})?[ \t]*:"
    rf"|\"?{NAME}\"?[ \t]*(?:{ADDRESS})?[ \t]+wrote(?:[ \t]+on\b[^\n]*)?:[ \t]*$"
    rf"|\d{{4}}-\d\d-\d\d[ \t]+\d\d?:\d\d[ \t]+GMT[+-]\d\d:\d\d[ \t]+\"?{NAME}\"?[ \t]*{ADDRESS}:[ \t]*$"
    rf")"
)
ON_BEHALF = regex.compile(rf"\[mailto:[^\]\s]+\][ \t]+On[ \t]+Behalf[ \t]+Of[ \t]+{NAME}[ \t]*$", regex.M)
# Words that make a display name a list, a robot, a team or a phrase, not a person.
NOT_A_PERSON = frozenset(
    regex.findall(
        r"\S+",
        """
    list lists developers developer users user dev devs server servers jenkins team teams group groups
    notification notifications bot robot daemon mailer postmaster apache project projects committee foundation
    board private announce announcements digest system systems admin administrator builds build ci github
    gitlab gitbox git jira confluence support service services help info noreply no-reply reply newsletter news
    sales billing office marketing the of and for from at via by on in with your our inc ltd llc gmbh corp
    company technical solutions undisclosed recipients recipient unknown community test tester example sample
    dummy foo bar name firstname lastname surname vorname nachname prénom nom nome cognome nombre apellido
        """,
    )
)
SCORE = 0.9  # above spaCy's 0.85, so the placed match wins Presidio's de-duplication of equal spans


class DisplayNameRecognizer(EntityRecognizer):
    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=["PERSON"], name="DisplayNameRecognizer", supported_language=supported_language
        )

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities, nlp_artifacts=None) -> list[RecognizerResult]:
        if "@" not in text and ":" not in text and "Behalf" not in text:
            return []
        spans: set[tuple[int, int]] = set()
        for line in HEADER_LINE.finditer(text):
            value_start, value = line.start("value"), line.group("value")
            entries = list(ENTRY.finditer(value))
            if not entries and BARE_HEADER.fullmatch(line.group("header")):
                entries = list(BARE_ENTRY.finditer(value))
            for entry in entries:
                start, end = entry.span("name")
                if start >= 0 and display_name(entry.group("name")):
                    spans.add((value_start + start, value_start + end))
        for pattern in (ATTRIBUTION, ON_BEHALF):
            for match in pattern.finditer(text):
                start, end = match.span("name")
                if display_name(match.group("name")):
                    spans.add((start, end))
        return [RecognizerResult("PERSON", start, end, SCORE) for start, end in sorted(spans)]


def display_name(name: str) -> bool:
    """A display name that is a person's: no list/robot/phrase word; a lone word must be a listed given name."""
    words = [w for w in regex.split(r"[ ,]+", name) if w]
    if not words or any(w.lower().strip(".'’") in NOT_A_PERSON for w in words):
        return False
    letters = [w for w in words if not regex.fullmatch(r"\p{L}\.", w)]
    if not letters:
        return False
    if len(letters) == 1:
        word = letters[0]
        return word[:1].isupper() and bool(lexicon().given(_proper(word)))
    # Two or more words: a person unless every word is a lowercase login-like token nobody is named.
    lex = lexicon()
    return any(w[:1].isupper() for w in letters) or any(lex.any_name(_proper(w)) for w in letters)


def _proper(word: str) -> str:
    word = word.strip(".'’")
    return word[:1].upper() + word[1:].lower() if word.isupper() or word.islower() else word
