"""One patterns-only path: the same text gets the same pattern findings from every caller, and never NER.

`Detector.analyze_patterns` (the provenance fast path's value windows) and `Detector.analyze_many(...,
ner=False)` (lines a program printed) were two paths with two tokenisations (a blank spaCy pipeline and
one regex); a long text given to the first was cut into pieces analysed WITH NER. Now both are one path:
Presidio's pattern recognizers over the regex tokens, whatever the caller and the text's length.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from presidio_analyzer.nlp_engine import NlpArtifacts

from dlp.detect.engine import clean_results, get_detector
from dlp.detect.nlp import _WORD_OR_MARK

# Values, the words that make them values, and the glue between them (prose, a log line, a URL query),
# so context words land inside and outside Presidio's five-word window and inside glued tokens.
_WRITTEN = """
anna.rossi@example.org|Tel: +44 20 7946 0958|call 020 7946 0958|tel:+4930123456|ip=192.0.2.22
from mx.example.jp [192.0.2.153]|http://www.spamhaus.org/query/bl?ip=192.0.2.222
from p2-ip2-k0.kyoto.example.ne.jp [198.51.100.22]|IBAN DE89 3704 0044 0532 0130 00|card 4111 1111 1111 1111
Fecha de nacimiento: 28/06/1945|date of birth 03/12/1990|SSN 078-05-1120|passport no. X1234567
https://example.com/query?ip=10.0.0.1&mail=bob@example.net|version 3.5.1|12:30|don't|e-mail|Straße 12
[    0.000000] Linux version 5.3.8|Kundennummer: 4711 0815 22|Dear Anna,|the meeting|and|account number 12345678
n° de client 998877|, |. |:|-
"""
FRAGMENTS = [*_WRITTEN.strip().replace("\n", "|").split("|"), "\n", " "]
MIXED_TEXT = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=16).map("".join)


def _found(entities) -> list[tuple]:
    return [(e.entity_type, e.start, e.end, round(e.score, 6), e.recognizer) for e in entities]


def _reference(detector, text: str, language: str = "en") -> list[tuple]:
    """Presidio with the text's regex tokens as its artifacts, keywords chosen by Presidio's own
    `NlpArtifacts.set_keywords` (the stock constructor), then the detector's clean-up."""
    lang = detector.language_of(text, language)
    words = [m.group() for m in _WORD_OR_MARK.finditer(text)]
    starts = [m.start() for m in _WORD_OR_MARK.finditer(text)]
    artifacts = NlpArtifacts([], words, starts, [w.lower() for w in words], detector.nlp_engine, lang)  # type: ignore[arg-type]
    return _found(clean_results(text, detector.engine.analyze(text=text, language=lang, nlp_artifacts=artifacts)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(MIXED_TEXT, min_size=1, max_size=4))
def test_every_patterns_only_caller_finds_the_same(texts: list[str]) -> None:
    detector = get_detector()
    many = [_found(found) for found in detector.analyze_many(texts, ner=False)]
    assert [_found(found) for found in detector.analyze_patterns(texts)] == many
    assert [_found(detector.analyze_patterns([text])[0]) for text in texts] == many  # alone or batched
    assert [_reference(detector, text) for text in texts] == many


class _CountingPipeline:
    """A spaCy pipeline that counts the texts it runs on (NER runs in it); the rest passes through."""

    def __init__(self, nlp, calls: list[str]) -> None:
        self._nlp, self._calls = nlp, calls

    def __call__(self, text, *args, **kwargs):
        self._calls.append(text)
        return self._nlp(text, *args, **kwargs)

    def pipe(self, texts, *args, **kwargs):
        texts = list(texts)
        self._calls.extend(texts)
        return self._nlp.pipe(texts, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._nlp, name)


@pytest.fixture
def ner_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    detector = get_detector()
    calls: list[str] = []
    pipelines = detector.nlp_engine.nlp
    for language in detector.languages:
        monkeypatch.setitem(pipelines, language, _CountingPipeline(pipelines[language], calls))
    return calls


def test_the_counting_pipeline_sees_ner(ner_calls: list[str]) -> None:
    get_detector().analyze("Anna Rossi met Bob Miller in London.")
    assert ner_calls  # the probe the next test relies on does see a full analysis


def test_a_long_text_gets_patterns_only_in_every_piece(ner_calls: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DLP_MAX_PIECE_CHARS", "4000")
    lines = [
        f"Dear customer {i}, your adviser Anna Rossi (anna.rossi{i}@example.org, call 020 7946 {i:04d}) "
        f"will contact you about the meeting next week.\n"
        for i in range(300)
    ]
    text = "".join(lines)
    assert len(text) > 5 * 4000
    detector = get_detector()
    chars_before = detector.ner_chars
    (found,) = detector.analyze_patterns([text])
    assert not ner_calls, "a patterns-only request ran a full spaCy pipeline (NER)"
    assert detector.ner_chars == chars_before
    emails = sorted(text[e.start : e.end] for e in found if e.entity_type == "EMAIL_ADDRESS")
    assert emails == sorted(f"anna.rossi{i}@example.org" for i in range(300))  # every piece, every value once
    assert not [e for e in found if e.entity_type == "PERSON" and e.recognizer == "SpacyRecognizer"]
    assert _found(found) == _found(detector.analyze_many([text], ner=False)[0])
