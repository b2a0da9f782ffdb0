"""DictionaryNameRecognizer: a listed given name and surname (or a middle initial), in any language."""

from __future__ import annotations

import pytest
from recognizer_cases import expected_and_found

from dlp.detect.recognizers.dictionary_name import DictionaryNameRecognizer

CASES = [
    "nicht mehr ins Nationalteam von Trainer [[Raimond Domenech]].",
    "Das Team von Trainer [[Peter Müller]] reist morgen ab.",  # "Peter" is a word too, but mid-sentence
    "Signature files came from [[Daniel M. Jordan]] last week.",
    "Please forward this to [[Aurelio Tacchini]] in accounting.",
    "[[Priya Raman]] opened the ticket.",
    "la cuisinière [[Aurélie Dagnel]] et son mari",  # surname not listed, given name is
    "Thanks [[Maria Rossi]] for the update",
    # not names
    "Will Power is a great book.",
    "Best Regards",
    "Apache Software Foundation",
    "Linux Kernel Mailing List",
    "Mit freundlichen Grüßen",
    "Kaiser Wilhelm St is closed.",  # a street
    "Medina del Campo is in Spain.",
    "Read the Release Notes first.",
    "+++ linux/arch/mips/defconfig\tSun Nov  3 23:36:58 2002",
    "Only for the Big Endian systems.",
    "Beste Grüße\n\n--\nJonas",
    "Sehr geehrte Frau Schneider, anbei Ihre Unterlagen.",  # a title; the salutation recognizer has the name
]


@pytest.mark.parametrize("marked", CASES)
def test_dictionary_name(marked: str) -> None:
    expected, found = expected_and_found(DictionaryNameRecognizer(), "PERSON", marked)
    assert found == expected


class _CountingDoc:
    """spaCy's entities of a real text, counting how often a recognizer walks them."""

    def __init__(self, entities) -> None:
        self._entities = list(entities)
        self.walks = 0

    @property
    def ents(self):
        self.walks += 1
        return self._entities


class _Artifacts:
    def __init__(self, doc: _CountingDoc) -> None:
        self.tokens = doc


def test_ner_veto_reads_the_entities_once_per_text_not_per_candidate() -> None:
    from dlp.detect.engine import get_detector
    from dlp.detect.name_lexicon import NOT_PERSON_LABELS, vetoed_by_ner

    text = " ".join(
        f"{who} met the board in San Jose and flew to New York on Monday for the Olympics."
        for who in ("Maria Rossi", "Priya Raman", "Daniel Jordan") * 40
    )
    doc_entities = get_detector().nlp_engine.process_text(text, "en").tokens.ents
    doc = _CountingDoc(doc_entities)
    artifacts = _Artifacts(doc)
    vetoing = [e for e in doc_entities if e.label_ in NOT_PERSON_LABELS]
    assert len(vetoing) > 100
    candidates = [(e.start_char, e.end_char) for e in doc_entities] + [
        (e.start_char + 1, e.end_char + 2) for e in vetoing
    ]
    for start, end in candidates:
        expected = any(e.start_char <= start and end <= e.end_char for e in vetoing)
        assert vetoed_by_ner(start, end, artifacts) == expected, text[start:end]
    assert doc.walks == 1
    assert not vetoed_by_ner(0, 5, None)


def test_spacy_places_are_not_names() -> None:
    """spaCy's GPE/LOC labels veto a listed given name + surname ("San Jose"); Presidio renames those labels
    in its own entity list, so the veto reads the Doc's. ORG does not veto: the small model tags real people
    as organisations (see NOT_PERSON_LABELS)."""
    from dlp.api import analyze_text

    found = analyze_text("Yesterday the board met in San Jose with the team.")
    assert not [e for e in found if e.entity_type == "PERSON"]
    found = analyze_text("> + * Copyright (C) 2005 Stanislaw Skowronek <skylark@unaligned.org>")
    assert [e.text for e in found if e.entity_type == "PERSON"] == ["Stanislaw Skowronek"]
