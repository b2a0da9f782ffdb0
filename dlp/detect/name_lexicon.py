"""Given names and surnames common in the countries dlp's mail comes from (derived from names-dataset).

spaCy's small English model knows the names frequent in its English news training text; a Finnish given
name or a Portuguese surname in running text is a guess for it. The lists (scripts/build_name_data.py:
~65,000 given names, ~137,000 surnames, 0.6 MB compressed) are evidence it lacks. Names that are also
ordinary words ("Will", "Rose", "Brown") are weak: they count only next to a strong one.
"""

from __future__ import annotations

import bisect
import gzip
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from dlp.namelists import STRONG, read_names

# A title is not a name, though some are listed as given names somewhere ("Frau", "Don"): "Dear Mr. Alvarez"
# is one name, "Alvarez", never "Mr" nor "Frau Schneider".
TITLES = frozenset(
    re.findall(
        r"\S+",
        """
        mr mrs ms miss mx dr prof sir herr frau monsieur madame mme mlle signor signora signorina sig sra sr
        señor señora dott dottssa ing
        """,
    )
)


@dataclass(frozen=True)
class NameLexicon:
    first: dict[str, int]
    last: dict[str, int]

    def given(self, word: str) -> int:
        """STRONG, WEAK (also an ordinary word) or 0 (not a known given name)."""
        return self.first.get(_key(word), 0)

    def surname(self, word: str) -> int:
        return self.last.get(_key(word), 0)

    def any_name(self, word: str) -> int:
        return max(self.given(word), self.surname(word))


def _key(word: str) -> str:
    # Lists are proper-case ("Maria"); mail shouts names in headers ("MARIA ROSSI") and hyphenates them.
    return word[:1].upper() + word[1:].lower() if word.isupper() else word


@lru_cache(maxsize=1)
def _words() -> frozenset[str]:
    """Ordinary English words that are not names: the lowercase entries shipped beside the name lists."""
    raw = resources.files("dlp.detect").joinpath("data/names/english_words.txt.gz").read_bytes()
    return frozenset(gzip.decompress(raw).decode("utf-8").split())


def english_word(word: str) -> bool:
    """An ordinary English word (any case): "Horizon", "LIVE"; not "Putin"."""
    return word.lower() in _words()


@lru_cache(maxsize=1)
def lexicon() -> NameLexicon:
    return NameLexicon(read_names("first_names"), read_names("last_names"))


# A capitalised word as names are written: "Maria", "O'Neill", "Jean-Luc", "MÜLLER" is not (acronym-shaped).
CAP = r"(?:\p{Lu}[\p{Ll}'’]*\p{Ll}(?:-\p{Lu}\p{Ll}+)?)"
INITIAL = r"(?:\p{Lu}\.)"
PARTICLE = r"(?:van|von|der|den|de|del|della|di|da|du|dos|das|le|la|bin|ibn|al|ten|ter)"
# Two to four name words on one line: "Maria Rossi", "John F. Kennedy".
# No particles here: "Medina del Campo", "Rio de Janeiro" are places far more often than "Ludwig van Beethoven".
# One space between the words: columns ("Matthew Dharm      Senior Engineer") are not one name.
NAME_RUN = rf"(?<![\w@.\-/])(?:{CAP}(?:[ ](?:{INITIAL}|{CAP})){{1,3}})(?![\w@\-/])"
# Where a text names organisations or places the small NER model found, a name run inside one is not a person.
# Not ORG: the small English model tags many real people as ORG ("Stanislaw Skowronek" in a copyright line).
# Measured on the external dev set (make eval EVAL_ARGS="--parts dev"), English PERSON F1: no veto .71 (P .85
# R .61), veto with ORG .68 (P .86 R .57), veto without ORG .71 (P .86 R .60).
NOT_PERSON_LABELS = frozenset({"GPE", "LOC", "FAC", "PRODUCT", "NORP", "EVENT", "WORK_OF_ART", "LAW"})


def name_evidence(words: list[str], mid_sentence: bool = False) -> str | None:
    """Why capitalised words read as a person's name by the lexicon alone, or None.

    - "listed": the first word is a given name that is not also an ordinary English word, the last a
      surname, and not a street type ("Maria Rossi", "Anna Brown"; not "Will Power", "Kaiser Wilhelm St");
      mid-sentence a given name that is also a word will do before a surname that is not ("with Peter Müller");
    - "initial": a given name and a middle initial ("John F. Kennedy");
    - "given": a given name that is not a word, then a capitalised word that is neither a word nor a
      given name ("Aurélie Dagnel": the surname list cannot hold every family).
    """
    lex = lexicon()
    if words[0].lower().rstrip(".") in TITLES:
        return None
    names = [w for w in words if not w.endswith(".") and w.lower() not in _PARTICLES]
    if len(names) < 2:
        return None
    first, last = names[0], names[-1]
    given, surname = lex.given(first), lex.surname(last)
    if not given:
        return None
    if any(w.endswith(".") for w in words[1:-1]):
        return "initial"
    # A given name that is also a word ("Will", "Peter") counts mid-sentence, where capitals mean names.
    if surname and (given == STRONG or (mid_sentence and surname == STRONG)) and not _street_word(last):
        return "listed"
    unlisted = not surname and not lex.given(last) and last.lower() not in _words()
    if given == STRONG and unlisted and len(names) == 2:
        return "given"
    return None


@lru_cache(maxsize=1)
def _street_types() -> frozenset[str]:
    from dlp.detect.recognizers.street_address import address_data

    suffix = address_data()["number_first_suffix"]
    return frozenset(w.lower() for group in (suffix["strong"], suffix["weak"]) for ws in group.values() for w in ws)


def _street_word(word: str) -> bool:
    return word.lower().rstrip(".") in _street_types()


_PARTICLES = frozenset(PARTICLE.strip("(?:)").split("|"))


def vetoed_by_ner(start: int, end: int, nlp_artifacts) -> bool:
    """spaCy tagged these characters as an organisation, place or product: "Morgan Stanley", "San Jose".

    A bisection into the text's vetoing spans (built once per text and kept on its artifacts), not a walk
    over every entity for every candidate name: a long text has thousands of both."""
    if nlp_artifacts is None:
        return False
    spans = getattr(nlp_artifacts, "_dlp_not_person", None)
    if spans is None:
        # The Doc's own entities: Presidio's `entities` carry its renamed labels (ORG -> ORGANIZATION) and
        # lose those it has no name for (PRODUCT, FAC), so spaCy's labels are read from the Doc.
        doc = getattr(nlp_artifacts, "tokens", None)
        spans = _not_person_spans(getattr(doc, "ents", None) or ())
        nlp_artifacts._dlp_not_person = spans
    starts, ends = spans
    # spaCy's entities never overlap, so only the last one starting at or before `start` can contain it.
    i = bisect.bisect_right(starts, start) - 1
    return i >= 0 and end <= ends[i]


def _not_person_spans(entities) -> tuple[list[int], list[int]]:
    found = sorted((e.start_char, e.end_char) for e in entities if e.label_ in NOT_PERSON_LABELS)
    return [s for s, _ in found], [e for _, e in found]
