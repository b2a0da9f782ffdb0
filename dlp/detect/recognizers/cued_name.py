"""PERSON where the sentence or the layout says a name comes: "my name is ...", "follow up with ...", a
signature under a sign-off.

Salutations and titles are `introduced_name`'s. These are the other places mail names people:
- phrases that take a person ("my name is", "please follow up with", "reach out to", "on behalf of",
  "je m'appelle", "ich heiße", "mi chiamo", "me llamo") then one to three capitalised words; after the
  weaker phrases ("contact", "ask", "cc") a lone word must be a listed given name or surname, so
  "contact Support" stays clean;
- a signature: the line after a sign-off ("Best regards,", "Mit freundlichen Grüßen", "Cordialement"),
  when it holds only a name: one listed given name or two to four capitalised words starting with one; the
  same after a signature separator ("--\nOlivier Lamy") or inline ("Regards, Petar!");
- the last line of what someone wrote when it is a given name alone ("Jack", "-Tom", "~Holger", "rainer"):
  after a blank line or a sign-off, before the end, a separator, a quote or its attribution;
- thanks that end on a given name ("Thanks, Martin,", "Thank you very much, Stefan!").

Measured on the real list mail of the external eval (dev part, tools/eval/external.py): the sign-off
and thanks names found 58 name tokens at 0.92 token precision.
"""

from __future__ import annotations

import regex
from presidio_analyzer import EntityRecognizer, RecognizerResult

from dlp.detect.name_lexicon import CAP, INITIAL, PARTICLE, lexicon, vetoed_by_ner
from dlp.detect.recognizers.display_name import NOT_A_PERSON

NAME = rf"{CAP}(?:[ ](?:{INITIAL}|{PARTICLE}|{CAP})){{0,3}}"  # one space: "Gavin Kistner      Creative Director"
STRONG_CUES = (
    r"my\s+name\s+is|my\s+name's|on\s+behalf\s+of|signed\s+by|je\s+m'appelle|ich\s+heiße|ich\s+heisse|"
    r"mein\s+name\s+ist|mi\s+chiamo|me\s+llamo|mi\s+nombre\s+es"
)
WEAK_CUES = (
    r"follow(?:ing)?\s+up\s+with|reach(?:ing)?\s+out\s+to|get\s+in\s+touch\s+with|speak(?:ing)?\s+(?:with|to)|"
    r"spoke\s+(?:with|to)|talk(?:ed|ing)?\s+(?:with|to)|met\s+with|meeting\s+with|check(?:ed)?\s+with|"
    r"contact(?:ed)?|ask(?:ed)?|cc(?:'d|ed)?|cc:|forward(?:ed)?\s+(?:it\s+)?to|assigned\s+to|according\s+to|"
    r"thanks\s+to|per|via|from|by|with|and|this\s+is|je\s+suis|sono|soy|kontaktieren\s+sie|contactez|contattare|contacte\s+con|"
    # who said it, in reported speech: ", sagte Schmidt", "so Blecha abschließend", "selon Dupont", "según García"
    r"sagte|sagt|so|erklärte|betonte|meinte|fand|fragte|berichtete|laut|selon|d'après|según|dijo|afirmó|secondo|"
    r"said|says|added|told"
)
CUED = regex.compile(rf"(?i)\b(?P<cue>{STRONG_CUES}|{WEAK_CUES})[ \t]+(?P<name>(?-i:{NAME}))(?![\w@\-/])")
_STRONG = regex.compile(rf"(?i)^(?:{STRONG_CUES})$")
SIGN_OFF = (
    r"(?:best|kind|warm|many|with)?\s*(?:regards|wishes)|best|thanks|thank\s+you|many\s+thanks|cheers|sincerely|"
    r"thanks\s+(?:again|a\s+lot|in\s+advance)|thx|rgds|greetings|take\s+care|all\s+the\s+best|ciao|bye|"
    r"yours(?:\s+(?:truly|sincerely|faithfully))?|respectfully|--|"
    r"mit\s+freundlichen\s+grüßen|mit\s+freundlichen\s+grüssen|viele\s+grüße|beste\s+grüße|gruß|grüße|lg|"
    r"cordialement|bien\s+cordialement|bien\s+à\s+vous|salutations|merci|cordiali\s+saluti|distinti\s+saluti|"
    r"saluti|grazie|un\s+saluto|saludos|saludos\s+cordiales|atentamente|un\s+saludo|gracias"
)
SIGNATURE = regex.compile(
    rf"(?im)^[ \t>]*(?:{SIGN_OFF})[ \t]*[,.!]?[ \t]*\n(?:[ \t>]*\n)?[ \t>]*[-~–]?[ \t]*"
    rf"(?P<name>(?-i:{NAME}))[ \t]*[,.!]?[ \t]*$"
)
# "Regards, Petar!", "Cheers, Abdullah."
INLINE_SIGNATURE = regex.compile(rf"(?im)^[ \t>]*(?:{SIGN_OFF})[ \t]*,[ \t]*(?P<name>(?-i:{NAME}))[ \t]*[.!]?[ \t]*$")
# A name alone on the last line of what someone wrote ("Jack", "-Tom", "~Holger", "rainer"): after a blank
# line or a sign-off, before the end, a signature separator, a quote or its attribution, a forwarded header.
LAST_LINE = regex.compile(
    r"(?m)(?:\n[ \t]*\n|[,!][ \t]*\n)[ \t]*[-~–]?[ \t]*"
    r"(?P<name>\p{L}[\p{L}'’-]+(?:[ ]\p{Lu}[\p{L}'’-]+)?)[ \t]*[.!]?[ \t]*"
    r"(?=\n?\Z|\n(?:[ \t]*\n)*[ \t]*"
    r"(?:--|__|>|-{3,}|On[ \t]|Le[ \t]|Am[ \t]|Sent[ \t]from|From:|De[ \t]?:|Von:|\+?[(\d][\d() .-]{6,}\n))"
)
# "Thanks, Martin,", "Thank you very much, Stefan!": thanks that end on a given name.
THANKS_NAME = regex.compile(
    rf"(?im)^[ \t>]*(?:thanks|thank[ \t]+you(?:[ \t]+(?:very[ \t]+much|so[ \t]+much|again))?|many[ \t]+thanks|thx)"
    rf"[ \t]*,?[ \t]+(?P<name>(?-i:{CAP}))[ \t]*[,!.:]?[ \t]*$"
)
# The name line right under a signature separator: "--\nOlivier Lamy", "-- \nMark Raynsford | http://...".
UNDER_SEPARATOR = regex.compile(rf"(?m)^[ \t]*--[ \t]*\n(?:[ \t]*\n)?[ \t]*(?P<name>{NAME})[ \t]*(?=\||,|$)")
_SIGN_OFF_WORD = regex.compile(rf"(?i)^(?:{SIGN_OFF}|ok|okay|yes|no|hello|hi|hey|all|everyone|team|folks|guys)$")
SCORE = 0.85
SIGN_OFF_NAME = "SignOffNameRecognizer"
SIGNED_SCORE = 0.9  # a sign-off place: above spaCy's 0.85, so it wins Presidio's de-duplication of equal spans


class CuedNameRecognizer(EntityRecognizer):
    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=["PERSON"], name="CuedNameRecognizer", supported_language=supported_language
        )

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities, nlp_artifacts=None) -> list[RecognizerResult]:
        found: dict[tuple[int, int], float] = {}
        for match in CUED.finditer(text):
            if _named(match.group("name").split(), strong=bool(_STRONG.match(match.group("cue")))):
                start, end = match.span("name")
                if not vetoed_by_ner(start, end, nlp_artifacts):
                    found[(start, end)] = SCORE
        for pattern in (SIGNATURE, INLINE_SIGNATURE, UNDER_SEPARATOR):
            for match in pattern.finditer(text):
                words = match.group("name").split()
                if not _SIGN_OFF_WORD.match(words[0]) and _named(words, strong=False):
                    found[match.span("name")] = SIGNED_SCORE
        for match in (*LAST_LINE.finditer(text), *THANKS_NAME.finditer(text)):
            if _signed(match.group("name")):
                found[match.span("name")] = SIGNED_SCORE
        return [
            RecognizerResult("PERSON", start, end, score, recognition_metadata=_signed_by(score))
            for (start, end), score in sorted(found.items())
        ]


def _signed_by(score: float) -> dict:
    """Sign-off names report as SIGN_OFF_NAME: a name by its place, which the engine's clean-up keeps."""
    return {RecognizerResult.RECOGNIZER_NAME_KEY: SIGN_OFF_NAME} if score == SIGNED_SCORE else {}


def _signed(name: str) -> bool:
    """A last line that is a given name (in any case: "rainer"), alone or before a capitalised surname."""
    words = name.split()
    if _SIGN_OFF_WORD.match(words[0]) or _SIGN_OFF_WORD.match(name):
        return False
    if any(w.lower() in NOT_A_PERSON for w in words):
        return False  # "The Team", "Customer Service"
    first = words[0]
    proper = first[:1].upper() + first[1:].lower() if first.islower() or first.isupper() else first
    return bool(lexicon().given(proper))


def _named(words: list[str], strong: bool) -> bool:
    """A strong cue takes any capitalised words; otherwise the first word must be a listed name."""
    if strong:
        return True
    from dlp.detect.recognizers.lone_name import known_place

    lex = lexicon()
    if len(words) == 1:  # "and Berlin", "via London": a place that is a surname too is the place
        return 2 in (lex.given(words[0]), lex.surname(words[0])) and not known_place(words[0])
    return bool(lex.given(words[0])) and any(lex.any_name(w) == 2 for w in words)
