"""The analysis stage: messages in, `AnalyzedMessage`s (message + entities by part) out.

This is the seam between reading mail and judging it. Checks declare the entity types they need
(`Check.entities_needed`); the pipeline builds one stage for their union and hands every check the
analysed message, so no check calls the detector and none asks another for its results. Whatever
produces entities may stand in for `AnalysisStage` as long as it yields the same `AnalyzedMessage`s in
order: a fast path that already knows a part's entities (template provenance), or a distributed runner
that analyses chunks elsewhere.

Speed at campaign scale comes from the segment cache (`dlp.analysis.segments`): messages are taken from
the (streamed) source in chunks, the lines a chunk needs and nobody analysed yet are analysed together
(`nlp.pipe`), on worker processes when the campaign is big enough to repay their start-up
(`dlp.analysis.workers`). Only a chunk of messages is held at a time, so memory stays bounded.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field

from dlp import progress_events
from dlp.analysis.segments import SegmentAnalyzer, Unit, WholeAnalyzer
from dlp.budgets import limit
from dlp.detect.engine import Detector
from dlp.detect.entities import Entity
from dlp.model import Part, ScanMessage, UnreadableAttachment

CHUNK = 256  # messages analysed ahead of their checks
# Worker processes cost seconds to start (each loads spaCy); below this many missing lines in one scan a
# pool does not pay for itself, so small campaigns, `dlp check` and `dlp serve` never start one.
POOL_AFTER_MISSES = 400
LANGUAGE_NAMES = {"en": "English", "de": "German", "fr": "French", "it": "Italian", "es": "Spanish"}
NO_NER_NOTE = "Detection: {languages} text was checked with patterns only"


@dataclass(frozen=True)
class AnalyzedMessage:
    """A message and the entities found in each of its content parts (`ScanMessage.content_parts`).

    `entities` is keyed by the part's position in `message.parts`; a part that was not analysed (an
    address header, or every part when no check needs entities) has no entry. `analysed` says whether
    detection ran at all, so a check can tell "no entities" from "nobody looked".
    """

    message: ScanMessage
    entities: Mapping[int, list[Entity]] = field(default_factory=dict)
    analysed: bool = False

    def entities_of(self, part: Part) -> list[Entity]:
        for position, candidate in enumerate(self.message.parts):
            if candidate is part:
                return self.entities.get(position, [])
        return []

    def content(self) -> Iterator[tuple[Part, list[Entity]]]:
        """Each content part with its entities, in reading order."""
        for position, part in enumerate(self.message.parts):
            if position in self.entities:
                yield part, self.entities[position]


def unanalysed(message: ScanMessage) -> AnalyzedMessage:
    return AnalyzedMessage(message)


class AnalysisStage:
    """Finds the scan's entity types in every content part of every message, once per part."""

    def __init__(
        self, analyzer: SegmentAnalyzer | WholeAnalyzer, *, workers: int = 0, recognizers: list | None = None
    ) -> None:
        self.analyzer = analyzer
        self.workers = workers
        self.recognizers = recognizers or []
        self.stats: dict[str, float] = {}
        self.messages = 0
        self.campaign = False  # a rendered campaign: the provenance notes say which parts fell back
        detector = getattr(analyzer, "detector", None)
        # The detector is shared by the whole process: this scan's note covers only what it saw.
        self._no_ner_before = Counter(getattr(detector, "no_ner_analyses", {}))

    @property
    def detector(self) -> Detector | None:
        return getattr(self.analyzer, "detector", None)

    def run(self, messages: Iterable[ScanMessage]) -> Iterator[AnalyzedMessage]:
        for message in self._prepared(messages):
            self.messages += 1
            yield self.analyze(message)

    def analyze(self, message: ScanMessage) -> AnalyzedMessage:
        content = {id(part) for part in message.content_parts}
        take_unscanned = getattr(self.analyzer, "take_unscanned", lambda: 0)
        entities = {}
        for position, part in enumerate(message.parts):
            if id(part) not in content:
                continue
            take_unscanned()
            entities[position] = self.analyzer.analyze_part(part)
            lost = take_unscanned()
            if lost:  # the part's text ran out of analysis time: said, never passed as clean
                message.unreadable.append(
                    UnreadableAttachment(
                        part.field,
                        f"analysis stopped: about {lost:,} of {len(part.text):,} characters were not scanned "
                        f"(more than {limit('DLP_ANALYSIS_SECONDS'):g} s of CPU; budget DLP_ANALYSIS_SECONDS)",
                    )
                )
        return AnalyzedMessage(message, entities, analysed=True)

    def notes(self) -> list[str]:
        """Which languages had no NER model in this scan (patterns only), and how to add one; for the
        provenance fast path, how much went through spaCy and which parts fell back to line windows."""
        out = self.analyzer.notes(self.messages, self.campaign) if hasattr(self.analyzer, "notes") else []
        return [*out, *no_ner_notes(getattr(self.detector, "no_ner_analyses", None), self._no_ner_before)]

    # -- the fast path: analyse a chunk's missing lines together, ahead of its checks -------------------

    def _prepared(self, messages: Iterable[ScanMessage]) -> Iterator[ScanMessage]:
        """Messages in order, each with every line its checks will ask about already in the cache."""
        analyzer = self.analyzer
        if not isinstance(analyzer, SegmentAnalyzer):
            yield from messages
            return
        pool = None
        misses = 0
        # Chunks in flight: (messages, windows being analysed by workers, their result handle).
        inflight: deque[tuple[list[ScanMessage], list[Unit], set, Future]] = deque()
        try:
            for chunk in _chunks(messages, CHUNK):
                # A window another chunk already sent to the workers is not sent again.
                in_flight = _InFlight(keys for _m, _u, keys, _h in inflight)
                pending = analyzer.missing_parts(
                    (part for message in chunk for part in message.content_parts), pending=in_flight
                )
                misses += sum(len(unit.members) for unit in pending)
                if pool is None and self.workers > 1 and misses >= POOL_AFTER_MISSES:
                    from dlp.analysis.workers import AnalysisPool

                    pool = AnalysisPool(self.workers, self.recognizers, analyzer.entities)
                if pending:
                    progress_events.detail(f"analysing the text of {len(chunk)} messages")
                if pool is None:
                    analyzer.fill(pending)
                    yield from chunk
                    continue
                keys = {member.key for unit in pending for member in unit.members}
                inflight.append((chunk, pending, keys, pool.submit(pending)))
                # Keep the workers busy while this process renders the next chunk and runs checks.
                while len(inflight) > self.workers:
                    yield from _complete(inflight.popleft(), analyzer)
            while inflight:
                yield from _complete(inflight.popleft(), analyzer)
        finally:
            if pool is not None:
                pool.close()
            self.stats.update(cache_hits=analyzer.hits, cache_misses=analyzer.misses, analysed=misses)
            for name in ("ner_texts", "pattern_texts"):
                if hasattr(analyzer, name):
                    self.stats[name] = getattr(analyzer, name)


def _complete(item, analyzer: SegmentAnalyzer) -> Iterator[ScanMessage]:
    chunk, pending, _keys, handle = item
    for unit, entities in zip(pending, handle.result(), strict=True):
        analyzer.store_unit(unit, entities)
    yield from chunk


class _InFlight:
    """Membership over the key sets of the chunks whose windows are with the workers."""

    def __init__(self, key_sets: Iterable[set]) -> None:
        self.key_sets = list(key_sets)

    def __contains__(self, key: object) -> bool:
        return any(key in keys for keys in self.key_sets)


def _chunks(messages: Iterable[ScanMessage], size: int) -> Iterator[list[ScanMessage]]:
    chunk: list[ScanMessage] = []
    for message in messages:
        chunk.append(message)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def no_ner_notes(counts: dict[str, int] | None, before: dict[str, int] | None = None) -> list[str]:
    """The note naming languages analysed with patterns only in a scan (their count grew past `before`):
    one wording for a scan in this process and for a cluster's summed counts (`dlp.cluster.merge`)."""
    if not counts:
        return []
    before = before or {}
    languages = sorted(lang for lang, n in counts.items() if n > before.get(lang, 0))
    if not languages:
        return []
    from dlp.detect.nlp import NER_MODELS

    names = ", ".join(LANGUAGE_NAMES.get(lang, lang) for lang in languages)
    models = ", ".join(NER_MODELS[lang] for lang in languages if lang in NER_MODELS)
    return [
        NO_NER_NOTE.format(languages=names)
        + " (no spaCy model for it is installed): names are found only after a salutation or label."
        + (f" Install the spaCy model {models} to find names in it." if models else "")
    ]
