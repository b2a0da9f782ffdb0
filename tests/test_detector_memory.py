"""A long-running process (a million-recipient preflight, `dlp serve`) must not keep every word it read.

spaCy adds each new word to its vocabulary for good (a lexeme and its string), and the tokenizer caches
each new chunk: at a million recipients that grew each process by hundreds of MB. These tests read many
texts of words never seen before through every analysis path, and check that what spaCy keeps stays put,
and that what the detector finds is unchanged by reading inside spaCy's memory zones.
"""

from __future__ import annotations

import random
import string

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

from dlp.detect.engine import get_detector
from dlp.detect.nlp import word_flags


def novel_texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)

    def word() -> str:
        return "".join(rng.choice(string.ascii_lowercase) for _ in range(9)).capitalize()

    return [
        f"Dear {word()} {word()}, your reference {word()}-{rng.randrange(10**6)} ships to {word()} Road."
        for _ in range(count)
    ]


def kept_strings(detector) -> dict[str, int]:
    """Strings spaCy holds for good, per pipeline the detector has loaded."""
    pipelines = dict(detector.nlp_engine.nlp)
    blank = detector.__dict__.get("_blank")
    if blank is not None:
        pipelines["blank"] = blank
    return {name: len(nlp.vocab.strings) for name, nlp in pipelines.items()}


def grown(before: dict[str, int], after: dict[str, int]) -> int:
    """New strings in the pipelines that were already loaded (loading another language's pipeline brings
    its own fixed strings: that is not growth)."""
    return sum(after[name] - count for name, count in before.items())


@pytest.mark.parametrize("path", ["analyze", "ner-batch", "patterns", "tokens-only"])
def test_words_read_once_are_not_kept(path: str) -> None:
    detector = get_detector()
    read = {
        "analyze": lambda texts: [detector.analyze(t) for t in texts],
        "ner-batch": lambda texts: detector.analyze_many(texts),
        "patterns": lambda texts: detector.analyze_patterns(texts),
        "tokens-only": lambda texts: detector.analyze_many(texts, ner=False),
    }[path]
    read(novel_texts(40, seed=0))  # the pipelines loaded and warm
    before = kept_strings(detector)
    found = read(novel_texts(150, seed=1))
    assert grown(before, kept_strings(detector)) < 50  # was ~3 strings per new word: ~1,500 here
    assert any(found), "the texts were read (each names a person or a street)"


def test_findings_are_the_same_inside_and_outside_a_memory_zone() -> None:
    """The zone frees spaCy's objects when it ends: every finding must have been copied out before."""
    detector = get_detector()
    texts = [*novel_texts(5, seed=2), "Call Maria Gonzalez on 020 7946 0958 or maria.gonzalez@gmail.com."]
    once = [detector.analyze(t) for t in texts]
    again = [detector.analyze(t) for t in texts]
    assert once == again == detector.analyze_many(texts)
    assert {e.entity_type for e in once[-1]} >= {"PERSON", "PHONE_NUMBER", "EMAIL_ADDRESS"}


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=12))
def test_flags_without_a_lexeme_are_the_lexemes_flags(word: str) -> None:
    """Presidio asks whether each word is a stop word or punctuation; answering without adding the word
    to the vocabulary must give what the lexeme would have said."""
    vocab = _fresh_vocab()
    assert word_flags(vocab, word) == (vocab[word].is_stop, vocab[word].is_punct)


_VOCABS: list = []


def _fresh_vocab():
    if not _VOCABS:
        _VOCABS.append(spacy.blank("en").vocab)
    return _VOCABS[0]


def _rule(entity: str, regex: str) -> dict:
    return {"supported_entity": entity, "name": entity.lower(), "patterns": [{"name": entity, "regex": regex}]}


def test_rules_files_with_their_own_patterns_share_one_spacy() -> None:
    """`dlp.scan_message` with a new rules file (its own `detector: pattern` rules) builds a detector for it:
    its recognizers, never another copy of spaCy (~0.5 GB each, kept for the life of the process)."""
    from dlp.detect import engine

    engines = len(engine._NLP_ENGINES)
    badges = get_detector(extra_recognizers=[_rule("STAFF_BADGE", r"\bBDG-\d{6}\b")])
    tickets = get_detector(extra_recognizers=[_rule("TICKET_REF", r"\bTKT-\d{5}\b")])
    assert badges is not tickets and badges.nlp_engine is tickets.nlp_engine is get_detector().nlp_engine
    text = "Badge BDG-123456 for ticket TKT-98765, signed Maria Gonzalez."
    assert {e.entity_type for e in badges.analyze(text)} >= {"STAFF_BADGE", "PERSON"}
    assert "STAFF_BADGE" not in {e.entity_type for e in tickets.analyze(text)}
    assert "TICKET_REF" in {e.entity_type for e in tickets.analyze(text)}
    for n in range(engine.MAX_DETECTORS + 3):  # rules edited again and again
        get_detector(extra_recognizers=[_rule(f"RULE_{n}", rf"\bR{n}-\d{{4}}\b")])
    assert len(engine._DETECTORS) == engine.MAX_DETECTORS
    assert len(engine._NLP_ENGINES) <= max(engines, 1)  # no spaCy loaded for any of these rule sets
