"""A name found once in a text is a name again where the same text repeats part of it.

Text introduces a person in full and then writes the surname or the given name alone: "Angela Merkel
... Merkel said", "From: Jack M. Nilles ... Thanks, Jack", "Le docteur Henri Vallée ... Vallée a dit".
The lone word has little evidence of its own (spaCy's small model misses most lone surnames and there is
no NER at all for languages without an installed model), but the full name earlier in the same text is
the best evidence there is. Each word of a name found with full confidence (two or more words) marks
its other capitalised occurrences in the text as the same person, unless it is a title, a particle or a
word that cannot be a name by itself.
"""

from __future__ import annotations

import regex

from dlp.detect.entities import Entity
from dlp.detect.name_lexicon import _PARTICLES, TITLES
from dlp.detect.postprocess import CALENDAR, NOT_NAMES
from dlp.detect.spans import SpanIndex

RECOGNIZER = "NameRepeat"
MIN_SCORE = 0.85  # the score a name must have to lend its words
_WORD = regex.compile(r"[\p{L}][\p{L}'’\-]*")


def repeated_names(text: str, entities: list[Entity]) -> list[Entity]:
    """PERSON entities for the lone repeats of the words of the confident multi-word names in `entities`."""
    words: set[str] = set()
    for entity in entities:
        if entity.entity_type != "PERSON" or entity.score < MIN_SCORE:
            continue
        parts = _WORD.findall(entity.text)
        if len(parts) < 2:
            continue
        words.update(w for w in parts if _lendable(w))
    if not words:
        return []
    pattern = regex.compile(r"(?<![\p{L}\-'’@.])(?:" + "|".join(map(regex.escape, sorted(words))) + r")(?![\p{L}\-@])")
    out: list[Entity] = []
    index = SpanIndex(entities)
    for match in pattern.finditer(text):
        start, end = match.span()
        overlapping = index.overlapping(start, end)
        if any(not (e.entity_type == "PERSON" and e.score < MIN_SCORE) for e in overlapping):
            continue  # part of the name itself, or of another entity; a low PERSON guess is replaced
        out.append(Entity("PERSON", start, end, MIN_SCORE, match.group(), RECOGNIZER))
    return out


def _lendable(word: str) -> bool:
    lower = word.lower().strip("'’")
    if len(lower) < 3 or not word[:1].isupper() or word.isupper():
        return False
    return lower not in TITLES and lower not in _PARTICLES and lower not in NOT_NAMES and lower not in CALENDAR


# A run of single capitalised words joined by commas and one last "and": "Bozzi, Linge et Duburre",
# "Staiger, Muschg oder Rychner", "Colleu, Esnoult and Raulin".
_MEMBER = r"\p{Lu}[\p{Ll}'’]+(?:-\p{Lu}[\p{Ll}'’]+)?"
_JOIN = r"(?:,[ \t]*|[ \t]+(?:and|or|et|ou|und|oder|e|o|y|ed)[ \t]+)"
_COORDINATED = regex.compile(rf"(?<![\p{{L}}\-'’])(?:{_MEMBER}{_JOIN}){{2,}}{_MEMBER}(?![\p{{L}}\-])")
_MEMBER_WORD = regex.compile(_MEMBER)


def coordinated_names(text: str, entities: list[Entity]) -> list[Entity]:
    """PERSON for the other members of a list of single words of which two or more are already confident
    names: a list holds things of one kind, so "Bozzi, Linge et Duburre" names three people once two are."""
    confident = [e for e in entities if e.entity_type == "PERSON" and e.score >= MIN_SCORE]
    if len(confident) < 2 or "," not in text:
        return []
    out: list[Entity] = []
    index, sure = SpanIndex(entities), SpanIndex(confident)
    for run in _COORDINATED.finditer(text):
        members = [m for m in _MEMBER_WORD.finditer(text, run.start(), run.end())]
        named = [
            m for m in members if any(e.start <= m.start() and m.end() <= e.end for e in sure.overlapping(*m.span()))
        ]
        if len(named) < 2:
            continue
        for member in members:
            start, end = member.span()
            if index.any_overlap(start, end) or not _lendable(member.group()):
                continue
            out.append(Entity("PERSON", start, end, MIN_SCORE, member.group(), RECOGNIZER))
    return out
