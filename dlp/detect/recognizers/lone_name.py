"""PERSON: a lone listed surname or given name in the running text of a language dlp has no NER model for.

German, Spanish and Italian (and French without the optional model) get no spaCy NER, so a surname
written alone ("Im Senat vertrat Hoffmann die Ressorts", "selon Dupuis le dossier") is found only after a
title, a cue or an earlier full name. Mid-sentence, where the capital belongs to the word and not to the
sentence, a capitalised word that the name lists hold as a strong name is a person, unless:

- it stands where places stand ("in", "nach", "bei", "de" before it; "street", "Filiale" after it:
  `dlp.detect.postprocess.placed`);
- the text also writes it in lower case (then it is an ordinary word that a heading capitalised);
- it is a place name that Wiktionary's German nouns list (the `german-nouns` package: "London", "Berlin",
  "Paris" are written the same in most languages), or, in German, where every noun is capitalised, a common
  noun there ("Koch", "Bauer", "Senat" are nouns first).

English has NER, and capitalises only names, so this recognizer serves the other languages only.
"""

from __future__ import annotations

import os
import re
from functools import cache
from importlib import resources

import regex
from presidio_analyzer import EntityRecognizer, RecognizerResult

from dlp.detect.name_lexicon import CAP, TITLES, lexicon, vetoed_by_ner
from dlp.namelists import derived_words

# A capitalised word after a lower-case word (or a comma) on the same line: "vertrat Hoffmann", "und Ruane".
LONE = regex.compile(
    rf"(?:(?<![\w'’-])(?P<before>\p{{Ll}}[\p{{Ll}}'’-]*)|(?P<comma>,))[ \t]+(?P<name>{CAP})(?![\w@\-/]|[ \t]+\p{{Lu}})"
)
# Articles: a person's name takes none in these languages, a place or an institution does ("le Conseil",
# "la Ville", "de la Reina", "der Senat").
ARTICLES = frozenset(
    re.findall(r"\S+", "le la les l' l’ un une el los las lo il gli una der die das den dem des ein eine einem einen")
)
# Before a comma, a number on the same line makes a list of address parts ("28014 Madrid, Spain").
_NUMBERED = regex.compile(r"\d[^\n,]*$")
# Wiktionary's part-of-speech tags that make an entry a name, not a common noun.
PROPER = ("Nachname", "Vorname", "Eigenname", "Toponym", "Straßenname")
SCORE = 0.85


class LoneNameRecognizer(EntityRecognizer):
    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=["PERSON"], name="LoneNameRecognizer", supported_language=supported_language
        )

    def load(self) -> None:  # the lists load on first use
        pass

    def analyze(self, text: str, entities, nlp_artifacts=None) -> list[RecognizerResult]:
        from dlp.detect.postprocess import NOT_NAMES, _written_lower, placed

        if self.supported_language == "en":
            return []
        lex = lexicon()
        out = []
        for match in LONE.finditer(text):
            word = match.group("name")
            start, end = match.span("name")
            lower = word.lower()
            if len(word) < 3 or lex.any_name(word) != 2 or lower in TITLES or lower in NOT_NAMES:
                continue
            if (match.group("before") or "") in ARTICLES:
                continue
            if match.group("comma") and _NUMBERED.search(text, max(0, start - 60), match.start("comma")):
                continue
            if known_place(word) or (self.supported_language == "de" and german_common_noun(word)):
                continue  # a place Wiktionary knows ("London", "Berlin"), in German also a common noun
            if placed(text, start, end) or _written_lower(text, lower) or vetoed_by_ner(start, end, nlp_artifacts):
                continue
            out.append(RecognizerResult("PERSON", start, end, SCORE))
        return out


def known_place(word: str) -> bool:
    """A place name in Wiktionary's German nouns ("London", "Berlin", "Paris"; most are spelled alike)."""
    return word.lower() in _german_words("place")


def german_common_noun(word: str) -> bool:
    return word.lower() in _german_words("common")


@cache
def _german_words(kind: str) -> frozenset[str]:
    """Every form (lower case) of Wiktionary's German common nouns ("common") or place names ("place").
    Parsing the package's 25 MB takes seconds; the two sets are derived once and kept in cache files
    (`dlp.namelists.derived_words`), read back in milliseconds while the package stays the same."""
    return derived_words("german-nouns", kind, _german_nouns_key(), _derive_german_words)


# The derivation below: change this when it changes, so cache files written by the old one are rebuilt.
_DERIVATION = "1:" + ",".join(PROPER)


def _german_nouns_key() -> str:
    """The installed package's version and its two files' sizes and times, and the derivation's version."""
    from importlib.metadata import version

    package = resources.files("german_nouns")
    stamps = []
    for name in ("nouns.csv", "index.txt"):
        stat = os.stat(str(package.joinpath(name)))
        stamps.append(f"{name}:{stat.st_size}:{stat.st_mtime_ns}")
    return " ".join([f"german-nouns=={version('german-nouns')}", *stamps, _DERIVATION])


def _derive_german_words() -> dict[str, set[str]]:
    """Both sets in one pass over the package: each form's rows in `index.txt`, each row's part-of-speech
    tags (the second column of `nouns.csv`)."""
    package = resources.files("german_nouns")
    kinds: list[str] = []
    head = re.compile(r'^[^,]*,("[^"]*"|[^,]*)')
    with package.joinpath("nouns.csv").open(encoding="utf-8") as rows:
        next(rows)
        for row in rows:
            found = head.match(row)
            kinds.append(found.group(1) if found else "")
    out: dict[str, set[str]] = {"common": set(), "place": set()}
    with package.joinpath("index.txt").open(encoding="utf-8") as index:
        for line in index:
            form, *rows = line.rstrip("\n").split("\t")
            tags = [kinds[int(i)] for i in rows if i and int(i) < len(kinds)]
            if any(not any(p in t for p in PROPER) for t in tags):
                out["common"].add(form)
            elif any("Toponym" in t or "Straßenname" in t for t in tags):
                out["place"].add(form)
    return out
