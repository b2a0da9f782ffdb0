"""Presidio analysis of message parts, done once per distinct line-in-context.

Most of every campaign message is the same template text. Analysing each distinct line once (keyed by
its content) and shifting the entities back to part offsets gives the same entities as analysing the
whole part, at a fraction of the cost, *provided each line is analysed with enough of its real
neighbourhood*: spaCy's tagger and NER see about four tokens either side (en_core_web_sm's tok2vec is
four window-1 convolutions deep), and Presidio's context enhancer looks back five keywords. So the text
analysed for a line is the line plus `context_words` whitespace-separated words of the real text before
it (a word is at least one token) and `RIGHT_WORDS` after it (Presidio reads no context after a value,
so only spaCy's four tokens matter there), and the cache key is that whole window. A short right
context matters: the line before a per-recipient one (a signature above an unsubscribe link) stays
cacheable. An entity belongs to
the line it starts in, so a value running over a line break is reported once, whole.

`SegmentAnalyzer` only looks results up; `missing`/`fill` let the pipeline collect the windows a batch of
messages needs, analyse the missing ones in bulk (`nlp.pipe`, worker processes) and store them. A
part's uncached windows that overlap are analysed as one text (`Unit`): the words they share are
analysed once.
`WholeAnalyzer` is the straightforward path (every part analysed whole) that the fast path must match.

Lines a program printed (a pasted kernel log, a hex dump: `dlp.detect.machine_text`) get no NER, only the
pattern recognizers: their windows are marked `ner=False` and grouped into units of their own, so a
megabyte of log under three lines of prose costs a tokenizer pass, not spaCy's full pipeline. A pattern
that needs a word (a phone word, the name of a licence or bank number) is not run on a log line's window
that lacks it (`Window.skip`, `dlp.detect.machine_text.machine_skips`); units hold windows of one skip set.
"""

from __future__ import annotations

import bisect
import re
import time
from collections import OrderedDict
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

from dlp.analysis.keys import Key, text_key
from dlp.budgets import BudgetExceeded, cpu_bounded, limit, piece_chars, piece_context
from dlp.detect.engine import NEVER_REPORTED, Detector
from dlp.detect.entities import Entity
from dlp.detect.machine_text import NeededWords, is_machine_line, machine_skips
from dlp.model import Part

CONTEXT_WORDS = 6
RIGHT_WORDS = 4
# Context is words, but a "word" may be a megabyte of base64: a window reaches at most `piece_context`
# characters (CONTEXT_CHARS) beyond its line, and lines are cut to leave room for that, so no window (and
# no merged unit) outgrows the piece spaCy analyses at once: every window stays in the batch.
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Window:
    """One line of a part and the real text around it that the analysis needs to see."""

    language: str
    text: str  # the analysed text: left context + line + right context
    lo: int  # the line's span inside `text`
    hi: int
    offset: int  # where `text` starts in the part
    ner: bool = True  # False for a line a program printed: patterns only
    skip: frozenset[str] = frozenset()  # entity types not looked for (a log line's window lacks their word)

    @cached_property
    def key(self) -> Key:
        return text_key(self.text, self.language, self.lo, self.hi)


def line_spans(text: str, max_line: int | None = None) -> Iterator[tuple[int, int]]:
    """Spans that tile the text: each line with its trailing newline(s), so every offset has one owner.

    A line longer than `max_line` (a CSV without line breaks, a log flattened to one line) is cut at
    whitespace, else hard, into pieces of at most that length: each piece is then a line of its own, and
    a value across a cut is still seen whole in the context of the piece it starts in. By default a line
    and its context fit in one piece (`piece_context`).
    """
    max_line = max_line or piece_context(piece_chars())[0]
    start = 0
    length = len(text)
    while start < length:
        newline = text.find("\n", start)
        end = length if newline < 0 else newline + 1
        while end < length and text[end] in "\n\r \t":
            end += 1
        while end - start > max_line:
            cut = start + max_line
            space = max(text.rfind(" ", start + max_line // 2, cut), text.rfind("\t", start + max_line // 2, cut))
            cut = space + 1 if space > start else cut
            yield start, cut
            start = cut
        yield start, end
        start = end


# Text broken into crumbs: a message with bare CR line ends read as a million one-character lines made a
# million windows (1.7 GB for 2 MB). Past CRUMB_LINES lines averaging under CRUMB_CHARS characters, lines
# are joined until each holds CRUMB_CHARS: the same text is read, in fewer, longer windows.
CRUMB_LINES = 10_000
CRUMB_CHARS = 16


def coalesced(spans: Iterable[tuple[int, int]], min_chars: int, max_line: int) -> Iterator[tuple[int, int]]:
    """Consecutive spans joined until each covers at least `min_chars` (never past `max_line`)."""
    start = end = None
    for lo, hi in spans:
        if start is None:
            start, end = lo, hi
        elif hi - start <= max_line:
            end = hi
        else:
            yield start, end
            start, end = lo, hi
        if end - start >= min_chars:
            yield start, end
            start = end = None
    if start is not None:
        yield start, end


def windows(
    text: str, language: str = "en", context_words: int = CONTEXT_WORDS, right_words: int = RIGHT_WORDS
) -> Iterator[Window]:
    if not text.strip():
        return
    words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    starts = [w[0] for w in words]
    max_line, reach = piece_context(piece_chars())
    spans = line_spans(text, max_line)
    lines = text.count("\n")
    if lines > CRUMB_LINES and len(text) < CRUMB_CHARS * lines:
        spans = coalesced(spans, CRUMB_CHARS, max_line)
    for start, end in spans:
        if not text[start:end].strip():
            continue
        first = bisect.bisect_left(starts, start)  # first word starting in the line
        after = bisect.bisect_left(starts, end)  # first word starting after the line
        left_word = max(0, first - context_words)
        right_word = min(len(words), after + right_words) - 1
        w_start = words[left_word][0] if left_word < first else start
        w_end = words[right_word][1] if right_word >= after else end
        w_start = max(w_start, start - reach)
        w_end = min(max(w_end, end), end + reach)
        window_text = text[w_start:w_end]
        ner = not is_machine_line(text[start:end])
        yield Window(language, window_text, start - w_start, end - w_start, w_start, ner)


def keep_for_window(window: Window, entities: Iterable[Entity]) -> list[Entity]:
    """Entities of the window that start inside its line (the line owns them)."""
    return [e for e in entities if window.lo <= e.start < window.hi]


def analyze_windows(
    detector: Detector,
    texts: Sequence[tuple[str, str] | tuple[str, str, bool] | tuple[str, str, bool, frozenset[str]]],
    entities: Sequence[str],
    batch_size: int = 64,
    budget: float | None = None,
) -> list[list[Entity] | None]:
    """Presidio on many texts at once: spaCy runs them through `nlp.pipe`, the recognizers per text.

    Each text is (language, text), (language, text, ner), (language, text, ner, skip) or (language,
    text, ner, skip, owner); ner=False analyses it with patterns only, `skip` names entity types not
    looked for in it. Same filtering as `Detector.analyze` (NEVER_REPORTED, `clean_results`), so a
    batched result equals a single one.

    `budget` (default DLP_ANALYSIS_SECONDS) is the CPU time the texts of one owner (one message part) may
    cost: some shapes (200 KB of `a-a-a-…` is 200,000 tokens for NER, `1.1.1.…` thousands of phone
    candidates per region) cost minutes where prose of the same size costs seconds. Texts whose owner
    ran out, and every text of a batch stopped by the budget, come back as None: not scanned, which the
    caller reports, never an empty result.
    """
    budget = limit("DLP_ANALYSIS_SECONDS") if budget is None else budget
    spent: dict[object, float] = {}

    def owner(index: int) -> object:
        item = texts[index]
        return item[4] if len(item) > 4 else ("text", index)

    out: list[list[Entity] | None] = [[] for _ in texts]
    if not set(entities) - NEVER_REPORTED:
        return out
    by_language: dict[tuple[str, bool, frozenset[str]], list[int]] = {}
    for index, item in enumerate(texts):
        if item[1].strip():
            ner = item[2] if len(item) > 2 else True
            skip = item[3] if len(item) > 3 else frozenset()
            by_language.setdefault((item[0], ner, skip), []).append(index)
    # Through the detector, never its engine directly: it detects each text's language, picks that
    # language's recognizers and NER, counts patterns-only analyses for the report, and cleans results.
    # A batch holds every text's spaCy Doc at once: bounded by count AND by characters, so a megabyte part
    # costs a few hundred MB, not gigabytes. NER's activations are what cost: its batches hold two NER
    # units (a megabyte of prose peaked at 905 MB with batches of two 100,000-character pieces, 400 MB
    # with 50,000, at the same CPU time); a tokens-only batch holds two pieces.
    for (language, ner, skip), indexes in by_language.items():
        wanted = [e for e in entities if e not in skip]
        if not set(wanted) - NEVER_REPORTED:
            continue
        max_chars = 2 * (ner_unit_chars() if ner else piece_chars())
        chunk: list[int] = []
        size = 0
        for position, index in enumerate(indexes):
            chunk.append(index)
            size += len(texts[index][1])
            last = position == len(indexes) - 1
            if not (last or len(chunk) >= batch_size or size + len(texts[indexes[position + 1]][1]) > max_chars):
                continue
            _analyse_batch(detector, texts, chunk, out, owner, spent, budget, language=language, wanted=wanted, ner=ner)
            chunk, size = [], 0
    return out


def _analyse_batch(detector, texts, chunk, out, owner, spent, budget, *, language, wanted, ner) -> None:
    """One `analyze_many` call under the CPU budget left to its owners (see `analyze_windows`)."""
    live = [i for i in chunk if spent.get(owner(i), 0.0) < budget]
    for i in chunk:
        if i not in live:
            out[i] = None
    if not live:
        return
    left = min(budget - spent.get(owner(i), 0.0) for i in live)
    started = time.process_time()
    try:
        with cpu_bounded(left, "analysing one part's text", "DLP_ANALYSIS_SECONDS"):
            results = detector.analyze_many([texts[i][1] for i in live], language=language, entities=wanted, ner=ner)
    except BudgetExceeded:
        results = [None] * len(live)
    elapsed = time.process_time() - started
    total = sum(len(texts[i][1]) for i in live) or 1
    for i in live:  # each owner pays its share of the batch's characters; all of it when it was stopped
        share = elapsed if results[0] is None else elapsed * len(texts[i][1]) / total
        spent[owner(i)] = spent.get(owner(i), 0.0) + share
    for i, entities_found in zip(live, results, strict=True):
        out[i] = entities_found


@dataclass(frozen=True)
class Unit:
    """Neighbouring uncached windows of one part, analysed as one text.

    A part's new lines are usually close together (a points line, a signature over a per-recipient
    unsubscribe link), and their windows overlap; analysing the union once costs the shared words once.
    Each member still gets exactly the entities that start in its own line, which the union covers with
    at least the member's own context on both sides.
    """

    language: str
    text: str
    offset: int  # where `text` starts in the part
    members: tuple[Window, ...]
    ner: bool = True
    skip: frozenset[str] = frozenset()
    owner: int = 0  # which part of the batch it comes from: the CPU budget is per part

    @property
    def job(self) -> tuple[str, str, bool, frozenset[str], int]:
        """What `analyze_windows` (here or in a worker process) is given for this unit."""
        return (self.language, self.text, self.ner, self.skip, self.owner)

    def entities_for(self, member: Window, entities: Iterable[Entity]) -> list[Entity]:
        """`entities` of this unit, as the member window's own (in the member's coordinates)."""
        shift = self.offset - member.offset
        return keep_for_window(member, (e.shifted(shift) for e in entities))


def merge_windows(part_text: str, windows_in_order: Sequence[Window], max_chars: int | None = None) -> list[Unit]:
    """Overlapping windows as units of at most `max_chars` (default: `ner_unit_chars()` for prose, the
    piece for machine output): a megabyte part becomes a few dozen units, never one text over spaCy's
    max_length. A unit holds lines of one kind: prose (NER and patterns) or machine output (patterns only,
    less what `skip` names)."""
    units: list[Unit] = []
    group: list[Window] = []
    start = end = -1
    for window in windows_in_order:  # in text order, so only the last group can overlap the next window
        stop = window.offset + len(window.text)
        kind_changed = group and (window.ner, window.skip) != (group[0].ner, group[0].skip)
        limit = max_chars or (ner_unit_chars() if window.ner else piece_chars())
        if group and (window.offset > end or stop - start > limit or kind_changed):
            units.append(_unit(part_text, group))
            group, end = [], -1
        if not group:
            start = window.offset
        group.append(window)
        end = max(end, stop)
    if group:
        units.append(_unit(part_text, group))
    return units


def _unit(part_text: str, group: list[Window]) -> Unit:
    if len(group) == 1:
        only = group[0]
        return Unit(only.language, only.text, only.offset, (only,), only.ner, only.skip)
    start = min(w.offset for w in group)
    stop = max(w.offset + len(w.text) for w in group)
    return Unit(group[0].language, part_text[start:stop], start, tuple(group), group[0].ner, group[0].skip)


NER_UNIT_CHARS = 25_000


def ner_unit_chars() -> int:
    """The most characters of prose analysed as one unit (a unit only saves the context words its windows
    share, so a quarter piece loses nothing), and half of what one NER batch holds."""
    return min(NER_UNIT_CHARS, piece_chars())


class _Unscanned(list):
    """The cache entry of a window whose analysis ran out of time: no entities, and known as unscanned."""


UNSCANNED = _Unscanned()

# A cached window costs ~0.7 KB. The windows worth keeping are the template's (a few hundred per
# campaign), re-read by every message and so kept by the LRU order; per-recipient windows never come
# back. 50,000 bounds the cache at ~35 MB with room for many templates or an archive's many senders.
CACHE_WINDOWS = 50_000


class SegmentAnalyzer:
    """Caches entities per line-in-context (least recently used out), so memory stays bounded."""

    def __init__(
        self,
        detector: Detector | None,
        entities: Iterable[str],
        max_entries: int = CACHE_WINDOWS,
        context_words: int = CONTEXT_WORDS,
    ) -> None:
        self.detector = detector
        self.entities = sorted(set(entities))
        self.max_entries = max_entries
        self.context_words = context_words
        self.cache: OrderedDict[Key, list[Entity]] = OrderedDict()
        self.hits = 0
        self.misses = 0
        self.unscanned: list[int] = []

    # -- bulk use by the pipeline ---------------------------------------------------------------

    def windows_of(self, text: str, language: str = "en") -> Iterator[Window]:
        return windows(text, language, self.context_words, min(self.context_words, RIGHT_WORDS))

    def missing(self, texts: Iterable[str], language: str = "en", pending: Container = ()) -> list[Unit]:
        """What to analyse so every window of these texts is cached: each uncached window once (not if
        it is in `pending`, already being analysed), neighbours in one part merged into one unit."""
        out: list[Unit] = []
        seen: set[Key] = set()
        for owner, text in enumerate(texts):
            new: list[Window] = []
            needed: NeededWords | None = None
            for window in self.windows_of(text, language):
                key = window.key
                if key not in self.cache and key not in seen and key not in pending:
                    seen.add(key)
                    if not window.ner:  # a log line: what its window holds no word for is not looked for
                        needed = needed or NeededWords(text)
                        lo, hi = window.offset, window.offset + len(window.text)
                        skip = needed.skips(lo, hi, window.offset + window.lo, window.offset + window.hi)
                        window = replace(window, skip=skip)
                    new.append(window)
            if new:
                out.extend(replace(unit, owner=owner) for unit in merge_windows(text, new))
        return out

    def missing_parts(self, parts: Iterable[Part], language: str = "en", pending: Container = ()) -> list[Unit]:
        return self.missing((part.text for part in parts), language, pending)

    def store(self, window: Window, entities: Iterable[Entity]) -> None:
        self.cache[window.key] = keep_for_window(window, entities)
        self.cache.move_to_end(window.key)
        while len(self.cache) > self.max_entries:
            self.cache.popitem(last=False)

    def store_unit(self, unit: Unit, entities: Iterable[Entity] | None) -> None:
        if entities is None:  # out of its CPU budget: its windows are known unscanned, not clean
            for member in unit.members:
                self.cache[member.key] = UNSCANNED
                self.cache.move_to_end(member.key)
            return
        # Each member takes the entities starting in its own line: a bisect into the sorted starts, so a
        # unit of thousands of lines costs its entities once, not once per line.
        found = sorted(entities, key=lambda e: e.start)
        starts = [e.start for e in found]
        for member in unit.members:
            shift = unit.offset - member.offset
            lo = bisect.bisect_left(starts, member.lo - shift)
            hi = bisect.bisect_left(starts, member.hi - shift)
            self.store(member, unit.entities_for(member, found[lo:hi]))

    def fill(self, pending: Sequence[Unit]) -> None:
        """Analyse units in this process, batched."""
        if not pending:
            return
        assert self.detector is not None
        results = analyze_windows(self.detector, [u.job for u in pending], self.entities)
        for unit, entities in zip(pending, results, strict=True):
            self.store_unit(unit, entities)

    # -- the per-part lookup the checks call -----------------------------------------------------

    def analyze_text(self, text: str, language: str = "en") -> list[Entity]:
        out: list[Entity] = []
        for window in self.windows_of(text, language):
            key = window.key
            cached = self.cache.get(key)
            if cached is None:
                self.misses += 1
                skip = frozenset() if window.ner else machine_skips(window.text, window.text[window.lo : window.hi])
                self.fill([Unit(window.language, window.text, window.offset, (window,), window.ner, skip)])
                cached = self.cache[key]
            else:
                self.hits += 1
                self.cache.move_to_end(key)
            if cached is UNSCANNED:
                self.unscanned.append(window.hi - window.lo)
            out.extend(e.shifted(window.offset) for e in cached)
        return out

    def take_unscanned(self) -> int:
        """Characters of the texts looked up since the last call that ran out of analysis time."""
        lost, self.unscanned = sum(self.unscanned), []
        return lost

    def analyze_part(self, part: Part) -> list[Entity]:
        """A part's entities (the provenance fast path reads more of the part than its text)."""
        return self.analyze_text(part.text)


class WholeAnalyzer:
    """The straightforward path: every part analysed whole by Presidio, no cache. The reference the fast
    path is tested against, and the baseline `make bench` measures."""

    def __init__(self, detector: Detector, entities: Iterable[str]) -> None:
        self.detector = detector
        self.entities = sorted(set(entities))

    def analyze_text(self, text: str, language: str = "en") -> list[Entity]:
        return self.detector.analyze(text, language=language, entities=self.entities)

    def analyze_part(self, part: Part) -> list[Entity]:
        return self.analyze_text(part.text)
