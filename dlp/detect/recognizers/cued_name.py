"""PERSON where the sentence or the layout says a name comes: "my name is ...", "follow up with ...", a
signature under a sign-off.

Salutations and titles are `introduced_name`'s. These are the other places mail names people:
- phrases that take a person ("my name is", "please follow up with", "reach out to", "on behalf of",
  "je m'appelle", "ich heiße", "mi chiamo", "me llamo") then one to three capitalised words; after the
  weaker phrases ("contact", "ask", "cc") a lone word must be a listed given name or surname, so
  "contact Support" stays clean;
- a signature: the line after a sign-off ("Best regards,", "Mit freundlichen Grüßen", "Cordialement"),
  when it holds only a name: one listed given name or two to four capitalised words starting with one.
"""

from __future__ import annotations

import regex
from presidio_analyzer import EntityRecognizer, RecognizerResult

from dlp.detect.name_lexicon import CAP, INITIAL, PARTICLE, lexicon, vetoed_by_ner

NAME = rf"{CAP}(?:[ ](?:{INITIAL}|{PARTICLE}|{CAP})){{0,3}}"  # one space: "Gavin Kistner      Creative Director"
STRONG_CUES = (
    r"my\s+name\s+is|my\s+name's|on\s+behalf\s+of|signed\s+by|je\s+m'appelle|ich\s+heiße|ich\s+heisse|"
    r"mein\s+name\s+ist|mi\s+chiamo|me\s+llamo|mi\s+nombre\s+es"
)
WEAK_CUES = (
    r"follow(?:ing)?\s+up\s+with|reach(?:ing)?\s+out\s+to|get\s+in\s+touch\s+with|speak(?:ing)?\s+(?:with|to)|"
    r"spoke\s+(?:with|to)|talk(?:ed|ing)?\s+(?:with|to)|met\s+with|meeting\s+with|check(?:ed)?\s+with|"
    r"contact(?:ed)?|ask(?:ed)?|cc(?:'d|ed)?|cc:|forward(?:ed)?\s+(?:it\s+)?to|assigned\s+to|according\s+to|"
    r"thanks\s+to|per|via|from|by|with|and|this\s+is|je\s+suis|sono|soy|kontaktieren\s+sie|contactez|contattare|contacte\s+con"
)
CUED = regex.compile(rf"(?i)\b(?P<cue>{STRONG_CUES}|{WEAK_CUES})[ \t]+(?P<name>(?-i:{NAME}))(?![\w@\-/])")
_STRONG = regex.compile(rf"(?i)^(?:{STRONG_CUES})$")
SIGN_OFF = (
    r"(?:best|kind|warm|many)?\s*(?:regards|wishes)|best|thanks|thank\s+you|many\s+thanks|cheers|sincerely|"
    r"yours(?:\s+(?:truly|sincerely|faithfully))?|respectfully|--|"
    r"mit\s+freundlichen\s+grüßen|mit\s+freundlichen\s+grüssen|viele\s+grüße|beste\s+grüße|gruß|grüße|lg|"
    r"cordialement|bien\s+cordialement|bien\s+à\s+vous|salutations|merci|cordiali\s+saluti|distinti\s+saluti|"
    r"saluti|grazie|un\s+saluto|saludos|saludos\s+cordiales|atentamente|un\s+saludo|gracias"
)
SIGNATURE = regex.compile(
    rf"(?im)^[ \t>]*(?:{SIGN_OFF})[ \t]*[,.!]?[ \t]*\n(?:[ \t>]*\n)?[ \t>]*(?P<name>(?-i:{NAME}))[ \t]*,?[ \t]*$"
)
SCORE = 0.85


class CuedNameRecognizer(EntityRecognizer):
    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=["PERSON"], name="CuedNameRecognizer", supported_language=supported_language
        )

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities, nlp_artifacts=None) -> list[RecognizerResult]:
        out = []
        for match in CUED.finditer(text):
            if _named(match.group("name").split(), strong=bool(_STRONG.match(match.group("cue")))):
                start, end = match.span("name")
                if not vetoed_by_ner(start, end, nlp_artifacts):
                    out.append(RecognizerResult("PERSON", start, end, SCORE))
        for match in SIGNATURE.finditer(text):
            if _named(match.group("name").split(), strong=False):
                out.append(RecognizerResult("PERSON", *match.span("name"), SCORE))
        return out


def _named(words: list[str], strong: bool) -> bool:
    """A strong cue takes any capitalised words; otherwise the first word must be a listed name."""
    if strong:
        return True
    lex = lexicon()
    if len(words) == 1:
        return 2 in (lex.given(words[0]), lex.surname(words[0]))
    return bool(lex.given(words[0])) and any(lex.any_name(w) == 2 for w in words)
