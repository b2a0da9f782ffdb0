"""PERSON: "Last, First" as Exchange and Outlook write display names, in headers and quoted headers.

"From: Rossi, Maria", "To: Smith, John; Doe, Jane", "> Sent by: Jordan, Daniel M." and
'"Okafor, Daniel" <d.okafor@example.com>'. Outside such a line a comma between two capitalised words is a
list ("Paris, France"), so the line must be an address header (in the languages dlp serves, quoted or
not) or the pair must be a display name before an address.
"""

from __future__ import annotations

import regex
from presidio_analyzer import EntityRecognizer, RecognizerResult

from dlp.detect.name_lexicon import CAP, INITIAL, lexicon

HEADER = regex.compile(
    r"(?im)^[ \t>]*(?:from|to|cc|bcc|sent\s+by|reply-to|von|an|kopie|de|à|a|da|para|envoyé\s+par|"
    r"expéditeur|destinataire|mittente|destinatario|absender|empfänger)[ \t]*:[^\n]*"
)
PAIR = regex.compile(rf"(?<![\w@.\-])({CAP}(?:[ \t-]{CAP})?),[ \t]*({CAP}(?:[ \t]+{INITIAL})?)(?![\w@\-])")
DISPLAY = regex.compile(rf"\"({CAP}(?:[ \t-]{CAP})?),[ \t]*({CAP}(?:[ \t]+{INITIAL})?)\"[ \t]*<[^>\s]+@")
SCORE = 0.85


class ReversedNameRecognizer(EntityRecognizer):
    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=["PERSON"], name="ReversedNameRecognizer", supported_language=supported_language
        )

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities, nlp_artifacts=None) -> list[RecognizerResult]:
        if "," not in text:
            return []
        spans: set[tuple[int, int]] = set()
        for header in HEADER.finditer(text):
            for pair in PAIR.finditer(text, header.start(), header.end()):
                if _is_name(pair.group(1), pair.group(2)):
                    spans.add((pair.start(), pair.end()))
        for display in DISPLAY.finditer(text):
            if _is_name(display.group(1), display.group(2)):
                spans.add((display.start(1), display.end(2)))
        return [RecognizerResult("PERSON", start, end, SCORE) for start, end in sorted(spans)]


def _is_name(last: str, first: str) -> bool:
    """The word after the comma is a given name and the one before is not ("Rossi, Maria", not "Anna, Maria")."""
    lex = lexicon()
    given = lex.given(first.split()[0])
    surname = max((lex.surname(part) for part in regex.split(r"[ \t-]", last)), default=0)
    return bool(given) and (bool(surname) or not lex.given(last))
