"""PERSON: a given name and a surname from the name lists, in any language's running text.

spaCy's small English model misses names outside English news ("Aurélie Dagnel", "Raimond Domenech")
and every name in languages without a model. Two to four capitalised words whose first is a known given
name and whose last is a known surname (`dlp.detect.name_lexicon`), or a given name with a middle
initial ("Daniel M. Jordan"), are a name. Where spaCy is sure the same words are an organisation or a
place ("Morgan Stanley", "San Jose"), it wins.
"""

from __future__ import annotations

import regex
from presidio_analyzer import EntityRecognizer, RecognizerResult

from dlp.detect.name_lexicon import NAME_RUN, name_evidence, vetoed_by_ner

_RUN = regex.compile(NAME_RUN)
# The run follows a lower-case word or a comma on its line: not a sentence start or a heading.
_MID_SENTENCE = regex.compile(r"[\p{Ll},][ \t]+\Z")
SCORE = 0.85


class DictionaryNameRecognizer(EntityRecognizer):
    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=["PERSON"], name="DictionaryNameRecognizer", supported_language=supported_language
        )

    def load(self) -> None:  # the lists load on first use (dlp.detect.name_lexicon.lexicon)
        pass

    def analyze(self, text: str, entities, nlp_artifacts=None) -> list[RecognizerResult]:
        out = []
        for match in _RUN.finditer(text):
            words = match.group().split()
            # Drop leading words that are not names ("Thanks Maria Rossi" -> "Maria Rossi").
            mid = _MID_SENTENCE.search(text, max(0, match.start() - 64), match.start()) is not None
            for i in range(len(words) - 1):
                if name_evidence(words[i:], mid_sentence=mid or i > 0):
                    start = match.start() + match.group().index(words[i])
                    if not vetoed_by_ner(start, match.end(), nlp_artifacts):
                        out.append(RecognizerResult("PERSON", start, match.end(), SCORE))
                    break
        return out
