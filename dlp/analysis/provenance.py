"""The provenance fast path: analyse what the template says once, and only the values per recipient.

A rendered part with provenance (`dlp.provenance`) is the template's literal text with value spans in it.
Its entities are found in two parts:

- the **skeleton**: the part with every value group (values next to each other, like `{{ first }}
  {{ last }}`) replaced by MASK. It is the same text in every message of a template variant, so its line
  windows (`SegmentAnalyzer`) are analysed by spaCy and Presidio once and then come from the cache. Its
  entities that touch no mask are the literal text's.
- each **value group**, in a window of the real text around it (the line before, for labels such as
  "Date of birth:" there, the group's line and a few words after) where the other groups stay masked, so
  the window is the same for every recipient with the same value. Before Presidio runs, a shape check
  asks every pattern recognizer's own regexes whether any match touches the group, whether a phone number
  could (`mask_impossible_numbers`), and whether the group can hold a name (letters, and not a column
  typed as the row's own name or an identifier); nothing possible means no entities, without Presidio.
  Otherwise Presidio runs on the window with only the possible entity types: with spaCy's model only when a
  name is possible, else on regex tokens (patterns and context words only). Results are cached per
  window, so a value seen before costs a lookup.

Parts without provenance (attachments read from files, other template engines, a part whose HTML-to-text
pass did not keep the markers apart) are analysed by the line windows of `SegmentAnalyzer`, as before;
`notes()` says which fields fell back.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, OrderedDict
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from dlp.analysis.keys import Key, text_key
from dlp.analysis.segments import CONTEXT_WORDS, RIGHT_WORDS, SegmentAnalyzer, Unit
from dlp.budgets import CONTEXT_CHARS
from dlp.columns import NAME_ROLES, column_role
from dlp.detect.engine import Detector, _drop_overlaps
from dlp.detect.entities import Entity
from dlp.model import Part
from dlp.provenance import COLUMN, CONSTANT, Provenance, ValueSpan
from dlp.valueindex import column_key

MASK = "…"  # a value stands here in the skeleton: punctuation to spaCy and to every pattern
GROUP_GAP = re.compile(r"[^\w\n]{0,3}")  # what may separate two values of one group ("{{ a }} {{ b }}", "a-b")
_LETTER = re.compile(r"[^\W\d_]")
_ALNUM = re.compile(r"[^\W_]+")
_WORD = re.compile(r"\S+")
# Identifier-like columns: their letters are codes, never names (the value index types more at scan time).
IDENTIFIER_ROLES = frozenset({"email", "platform_id", "phone"})
NAME_ENTITY = "PERSON"
PLANNED_PARTS = 4096  # a chunk's parts (CHUNK messages x a few parts), planned ahead and used by its checks
RECENT_PARTS = 32  # more than the parts of one message: the checks ask about each part in turn
# Value windows, least recently used out. Every per-recipient value (an unsubscribe token) is new and never
# comes back, so the bound is what a million-recipient preflight holds: keyed by the window's text an entry
# was ~1.8 KB (200,000 entries grew a worker past 600 MB); keyed by its digest (`keys.text_key`), with the
# common empty result shared, it is a few hundred bytes. 20,000 keeps every value that repeats (names,
# plans, cities of a campaign).
CACHE_VALUES = 20_000
NOTHING: tuple[Entity, ...] = ()  # what most values hold: one shared empty result, not a list each
CACHE_SKELETONS = 1_024  # a template variant's skeleton per part: a few per campaign, more with conditionals
SHAPE_REACH = 400  # the longest pattern match that could start before a value and still reach it


@dataclass(frozen=True)
class ValueUnit:
    """One value group's window, analysed as one text: the pipeline batches these with the skeleton's
    line windows (`Unit`), and workers analyse both."""

    language: str
    text: str
    lo: int  # the group inside `text`
    hi: int
    ner: bool  # run spaCy's model (a name is possible); else regex tokens, patterns only
    entities: tuple[str, ...]  # the entity types the shape check left possible

    @cached_property
    def key(self) -> Key:
        return text_key(self.text, self.lo, self.hi, self.ner)  # the language follows from the text

    @property
    def members(self) -> tuple[ValueUnit, ...]:
        return (self,)


@dataclass(frozen=True)
class Layout:
    """Where a value window's pieces are in the part's text: the window's own text around the group is the
    part's (other groups masked), inside the group the real values and the gaps between them are."""

    lo: int  # the group in the window
    hi: int
    before: int  # part offset - window offset, before the group
    after: int  # the same, after the group
    inside: tuple[tuple[int, int, int], ...]  # (window start, window end, part start) of the group's real pieces

    def to_text(self, entity: Entity) -> Entity | None:
        """The entity in part coordinates; None when it starts or ends on a masked value."""

        def where(offset: int, closing: bool) -> int | None:
            if offset < self.lo or (closing and offset == self.lo):
                return offset + self.before
            if offset > self.hi or (not closing and offset == self.hi):
                return offset + self.after
            for start, end, text_start in self.inside:
                if start <= offset <= end:
                    return text_start + offset - start
            return None

        start, end = where(entity.start, False), where(entity.end, True)
        if start is None or end is None or end <= start:
            return None
        return replace(entity, start=start, end=end)


def _window(
    text: str,
    groups: Sequence[Group],
    index: int,
    real: Sequence[ValueSpan],
    stand_ins: dict[int, str] | None = None,
) -> tuple[str, Layout]:
    """The value window of groups[index]: the line before its line, its line and RIGHT_WORDS words after,
    bounded in characters; other groups masked, and of this group only the spans in `real` real (the others
    as their `stand_ins`, by span id, or MASK)."""
    group = groups[index]
    line_start = text.rfind("\n", 0, group.start) + 1
    before = text.rfind("\n", 0, max(0, line_start - 1)) + 1 if line_start > 0 else 0
    # At least CONTEXT_WORDS words before the value too (Presidio's context words, spaCy's window), as the
    # line windows read: a label two lines up, over a blank line, still counts.
    words_before = _words_before(text, group.start)
    if len(words_before) >= CONTEXT_WORDS:
        before = min(before, words_before[-CONTEXT_WORDS].start())
    elif words_before:
        before = min(before, words_before[0].start())
    start = max(before, group.start - CONTEXT_CHARS)
    line_end = text.find("\n", group.end)
    line_end = len(text) if line_end < 0 else line_end
    after = _WORD.finditer(text, line_end, min(len(text), line_end + CONTEXT_CHARS))
    words = list(itertools.islice(after, RIGHT_WORDS))  # only the first RIGHT_WORDS are read
    end = words[RIGHT_WORDS - 1].end() if len(words) >= RIGHT_WORDS else (words[-1].end() if words else line_end)
    end = min(max(end, group.end), group.end + CONTEXT_CHARS)
    pieces: list[str] = []
    length = 0
    position = start
    lo = hi = 0
    inside: list[tuple[int, int, int]] = []
    keep = {id(span) for span in real}

    def add(piece: str) -> None:
        nonlocal length
        pieces.append(piece)
        length += len(piece)

    for other in groups:
        if other.end <= start or other.start >= end:
            continue
        add(text[position : max(position, other.start)])
        if other is group:
            lo = length
            cursor = other.start
            for span in other.spans:
                if cursor < span.start:  # the gap between two values is the template's text
                    inside.append((length, length + span.start - cursor, cursor))
                    add(text[cursor : span.start])
                if id(span) in keep:
                    inside.append((length, length + span.end - span.start, span.start))
                    add(text[span.start : span.end])
                else:
                    add((stand_ins or {}).get(id(span), MASK))
                cursor = span.end
            hi = length
        else:
            add(MASK)
        position = max(position, other.end)
    add(text[position:end])
    # Outside the group the window runs parallel to the text up to the nearest masked group; an entity
    # reaching over a mask maps to other text, which the caller's text comparison drops.
    return "".join(pieces), Layout(lo, hi, group.start - lo, group.end - hi, tuple(inside))


def _words_before(text: str, end: int) -> list:
    """The words in the CONTEXT_CHARS before `end` (the first one cut at that bound), or at least the last
    CONTEXT_WORDS + 1 of them: a nearer start finds the same last words (each after a space), and that is
    all `_window` reads of them unless there are fewer."""
    bound = max(0, end - CONTEXT_CHARS)
    near = max(bound, end - 16 * CONTEXT_WORDS)
    if near > bound:
        words = list(_WORD.finditer(text, near, end))
        if len(words) > CONTEXT_WORDS:
            return words
    return list(_WORD.finditer(text, bound, end))


@dataclass(frozen=True)
class Group:
    start: int
    end: int
    spans: tuple[ValueSpan, ...]


def groups_of(text: str, spans: Sequence[ValueSpan]) -> list[Group]:
    """Value spans with no more than a few non-word characters between them, as groups."""
    out: list[Group] = []
    current: list[ValueSpan] = []
    for span in spans:
        if current and GROUP_GAP.fullmatch(text, current[-1].end, span.start):
            current.append(span)
            continue
        if current:
            out.append(Group(current[0].start, current[-1].end, tuple(current)))
        current = [span]
    if current:
        out.append(Group(current[0].start, current[-1].end, tuple(current)))
    return out


def skeleton_of(text: str, groups: Sequence[Group]) -> tuple[str, list[tuple[int, int, int]]]:
    """The text with each group as MASK, and [(skeleton start, text start, length)] of its literal pieces."""
    pieces: list[str] = []
    literal: list[tuple[int, int, int]] = []
    position = 0
    length = 0
    for group in groups:
        piece = text[position : group.start]
        literal.append((length, position, len(piece)))
        pieces.append(piece)
        pieces.append(MASK)
        length += len(piece) + len(MASK)
        position = group.end
    literal.append((length, position, len(text) - position))
    pieces.append(text[position:])
    return "".join(pieces), literal


class ShapeCheck:
    """Which entity types could touch a span of a window, by the recognizers' own regexes (per language)."""

    def __init__(self, detector: Detector) -> None:
        self.detector = detector
        self._by_language: dict[str, list[tuple[frozenset[str], Any, list]]] = {}
        self.custom: dict[str, set[str]] = {}

    def _patterns(self, language: str) -> list[tuple[frozenset[str], Any, list]]:
        """(entities, the recognizer's own cheap prefilter or None, its compiled patterns) per recognizer."""
        found = self._by_language.get(language)
        if found is not None:
            return found
        import regex
        from presidio_analyzer import PatternRecognizer

        found = []
        custom: set[str] = set()
        for recognizer in self.detector.engine.registry.get_recognizers(language=language, all_fields=True):
            entities = frozenset(recognizer.supported_entities)
            if isinstance(recognizer, PatternRecognizer) and recognizer.patterns and not recognizer.deny_list:
                flags = getattr(recognizer, "global_regex_flags", None) or (
                    regex.DOTALL | regex.MULTILINE | regex.IGNORECASE
                )
                compiled = [(regex.compile(p.regex, flags=flags), _max_width(p.regex)) for p in recognizer.patterns]
                found.append((entities, getattr(recognizer, "REQUIRES", None), compiled))
            elif getattr(recognizer, "SHAPE", None) is not None:  # code whose results are matches of one regex
                shape = regex.compile(recognizer.SHAPE.pattern, flags=recognizer.SHAPE.flags)
                found.append((entities, None, [(shape, _max_width(recognizer.SHAPE.pattern))]))
            else:
                custom |= entities
        self._by_language[language] = found
        self.custom[language] = custom
        return found

    def possible(self, language: str, text: str, lo: int, hi: int, wanted: Container[str], name: bool) -> set[str]:
        out: set[str] = set()
        for entities, requires, compiled in self._patterns(language):
            if not any(e in wanted for e in entities) or entities <= out:
                continue
            if requires is not None and not requires.search(text):
                continue  # the recognizer itself would skip this text (`PrefilteredPatternRecognizer`)
            if any(_touches(pattern, width, text, lo, hi) for pattern, width in compiled):
                out |= entities
        custom = self.custom.get(language, set())
        if "PHONE_NUMBER" in custom and "PHONE_NUMBER" in wanted and _phone_possible(text, lo, hi):
            out.add("PHONE_NUMBER")
        if name and NAME_ENTITY in wanted and _name_word_at(text, lo, hi):
            out.add(NAME_ENTITY)
        elif not name:
            out.discard(NAME_ENTITY)
        for entity in custom - {"PHONE_NUMBER", NAME_ENTITY}:
            if entity in wanted:  # a recognizer of code this check cannot see into: always possible
                out.add(entity)
        return {e for e in out if e in wanted}


def _max_width(pattern: str) -> int:
    """The longest match a pattern can make (lookbehinds read further but match nothing), or SHAPE_REACH
    when unbounded or not parsable by the stdlib parser (`regex`-only syntax such as \\p{Lu})."""
    import re._parser as stdlib_parser

    try:  # a Unicode property (`\\p{Lu}`) is one character, as a letter is
        width = stdlib_parser.parse(re.sub(r"\\[pP]\{[^}]+\}", "a", pattern), 0).getwidth()[1]
    except Exception:  # the regex module's syntax: no bound known
        return SHAPE_REACH
    return min(int(width), SHAPE_REACH)


def _touches(pattern: Any, width: int, text: str, lo: int, hi: int) -> bool:
    """Whether a match of `pattern` that Presidio's scan could report overlaps [lo, hi). A scan reports at
    most the one match the engine finds at each start position; `overlapped` tries every start from the
    first that could still reach `lo` (the pattern's widest match before it; lookbehinds still see the
    text before), so each reportable match is among these (never a missed entity)."""
    for match in pattern.finditer(text, max(0, lo - width), overlapped=True):
        if match.start() >= hi:
            return False
        if match.end() > lo:
            return True
    return False


def _name_word_at(text: str, lo: int, hi: int) -> bool:
    """Whether a word without digits touches [lo, hi): a name never holds a digit (`plausible_person`), so a
    value made of tokens like `ffc6e35c` or `C10231` can be no part of one."""
    for match in _ALNUM.finditer(text, max(0, lo - 64), min(len(text), hi + 64)):
        word = match.group()
        if match.start() < hi and lo < match.end() and _LETTER.search(word) and not any(c.isdigit() for c in word):
            return True
    return False


def _phone_possible(text: str, lo: int, hi: int) -> bool:
    if not any(ch.isdigit() for ch in text[max(0, lo - 1) : hi + 1]):
        return False
    from dlp.detect.recognizers.phone import mask_impossible_numbers

    masked = mask_impossible_numbers(text)
    return any(ch.isdigit() for ch in masked[max(0, lo - 1) : hi + 1])


def can_hold_name(span: ValueSpan, shapes: dict[str, Any]) -> bool:
    """A value can be (part of) someone's name unless it is the campaign's own constant, or comes straight
    from a column that holds the row's own name or an identifier (by header, or by the column pass)."""
    if span.kind == CONSTANT:
        return False
    if span.kind != COLUMN or span.slot.name is None:
        return True
    role = column_role(span.slot.name)
    if role in NAME_ROLES or role in IDENTIFIER_ROLES:
        return False
    shape = shapes.get(column_key(span.slot.name))
    return shape is None or not (shape.own_name or shape.identifier)


class ProvenanceAnalyzer(SegmentAnalyzer):
    """SegmentAnalyzer for parts without provenance; skeleton plus value groups for parts with it."""

    def __init__(self, detector: Detector, entities: Iterable[str], **kwargs) -> None:
        super().__init__(detector, entities, **kwargs)
        self.wanted = frozenset(self.entities)
        self.shapes = ShapeCheck(detector)
        self.values: OrderedDict[Key, Sequence[Entity]] = OrderedDict()
        # The column pass of the recipient list (`dlp.valueindex.column_shapes`), asked for on first need.
        self.column_pass: Callable[[], dict[str, Any]] | None = None
        self._shapes: dict[str, Any] | None = None
        self.parts_traced = 0
        self.fallback: Counter[str] = Counter()
        self.ner_texts = 0  # texts spaCy's model ran on (skeleton windows and name-capable value windows)
        self.pattern_texts = 0  # value windows analysed on regex tokens (patterns only)
        self.shape_skipped = 0  # value windows the shape check cleared without Presidio
        self._recent: dict[int, tuple[Part, list[Entity]]] = {}
        self._plans: dict[int, tuple[Part, Any]] = {}
        self._named: dict[tuple[int, str], bool] = {}
        # A skeleton's literal entities (skeleton coordinates, masks excluded), by skeleton and mask offsets:
        # every message of a template variant has the same skeleton, so its line windows are cut and looked
        # up once per variant, not once per message. The windows are a pure function of the text, so this
        # is what `analyze_text` would give again.
        self.skeletons: OrderedDict[tuple[str, tuple[int, ...]], list[Entity]] = OrderedDict()
        # In a names-only window, a value that holds no name stands in as the first value its slot had: the
        # window reads like the real text (an address stays an address) and is the same for every row.
        self.stand_ins: dict[int, str] = {}

    def _names_possible(self, span: ValueSpan) -> bool:
        """`can_hold_name`, once per slot and kind (it reads the column's role and the column pass)."""
        key = (span.slot.id, span.kind)
        known = self._named.get(key)
        if known is None:
            known = self._named[key] = can_hold_name(span, self._shapes or {})
        return known

    def begin(self, column_pass: Callable[[], dict[str, Any]] | None) -> None:
        """A new scan: its recipient list's column pass (asked for on first need), and fresh counters; the
        caches stay (an analyzer reused across scans keeps what it learned about templates)."""
        self.column_pass = column_pass
        self._shapes = None
        self.stand_ins.clear()
        self._named.clear()
        self.parts_traced = self.ner_texts = self.pattern_texts = self.shape_skipped = 0
        self.fallback.clear()

    # -- the plan of one part ----------------------------------------------------------------------

    def _plan(self, part: Part) -> tuple[str, list[tuple[int, int, int]], list[tuple[Group, ValueUnit, Layout]]]:
        """The part's skeleton, its literal pieces and its value windows (kept for the part's next use: the
        pipeline plans a chunk's parts ahead of their checks)."""
        recent = self._plans.get(id(part))
        if recent is not None and recent[0] is part:
            return recent[1]
        plan = self._make_plan(part)
        self._plans[id(part)] = (part, plan)
        if len(self._plans) > PLANNED_PARTS:
            self._plans.pop(next(iter(self._plans)))
        return plan

    def _make_plan(self, part: Part):
        provenance: Provenance = part.provenance
        text = part.text
        groups = groups_of(text, provenance.spans)
        skeleton, literal = skeleton_of(text, groups)
        if self._shapes is None:
            self._shapes = self.column_pass() if self.column_pass is not None else {}
        units = []
        for index, group in enumerate(groups):
            if not text[group.start : group.end].strip():
                continue
            named = [self._names_possible(span) for span in group.spans]
            if all(named) or not any(named):
                # One window: every value real; spaCy's model too when they can hold a name.
                window, layout = _window(text, groups, index, group.spans)
                units.append((group, ValueUnit("en", window, layout.lo, layout.hi, any(named), ()), layout))
                continue
            # Patterns on every value; spaCy's model once per distinct name-capable value, the others masked,
            # so a street or account number next to a city does not make every row's window new.
            window, layout = _window(text, groups, index, group.spans)
            units.append((group, ValueUnit("en", window, layout.lo, layout.hi, False, ()), layout))
            names = tuple(span for span, flag in zip(group.spans, named, strict=True) if flag)
            stand_ins = {
                id(span): self.stand_ins.setdefault(span.slot.id, text[span.start : span.end])
                for span, flag in zip(group.spans, named, strict=True)
                if not flag
            }
            window, layout = _window(text, groups, index, names, stand_ins)
            units.append((group, ValueUnit("en", window, layout.lo, layout.hi, True, (NAME_ENTITY,)), layout))
        return skeleton, literal, units

    # -- bulk use by the pipeline ----------------------------------------------------------------------

    def missing_parts(self, parts: Iterable[Part], language: str = "en", pending: Container = ()) -> list:
        """Skeleton windows and value windows not analysed yet (value windows the shape check clears are
        stored empty at once)."""
        plain: list[str] = []
        out: list = []
        seen: set = set()
        for part in parts:
            if part.provenance is None:
                plain.append(part.text)
                continue
            skeleton, literal, units = self._plan(part)
            if (skeleton, _mask_starts(literal)) not in self.skeletons:
                plain.append(skeleton)
            for _group, unit, _layout in units:
                if unit.key in self.values or unit.key in seen or unit.key in pending:
                    continue
                seen.add(unit.key)
                checked = self._checked(unit)
                if checked is not None:
                    out.append(checked)
        return self.missing(plain, language, pending) + out

    def _checked(self, unit: ValueUnit) -> ValueUnit | None:
        if unit.ner and unit.entities == (NAME_ENTITY,):  # a names-only window: spaCy is the point of it
            assert self.detector is not None
            return replace(unit, language=self.detector.language_of(unit.text, unit.language))
        return self._shape_checked(unit)

    def _shape_checked(self, unit: ValueUnit) -> ValueUnit | None:
        """The unit with its possible entity types, or None (stored as no entities) when none is possible."""
        assert self.detector is not None
        unit = replace(unit, language=self.detector.language_of(unit.text, unit.language))
        possible = self.shapes.possible(unit.language, unit.text, unit.lo, unit.hi, self.wanted, unit.ner)
        if not possible:
            self.shape_skipped += 1
            self._store_value(unit, [])
            return None
        return replace(unit, entities=tuple(sorted(possible)))

    def _store_value(self, unit: ValueUnit, entities: Iterable[Entity]) -> None:
        self.values[unit.key] = [e for e in entities if e.start < unit.hi and unit.lo < e.end] or NOTHING
        self.values.move_to_end(unit.key)
        while len(self.values) > CACHE_VALUES:
            self.values.popitem(last=False)

    def store_unit(self, unit, entities: Iterable[Entity]) -> None:
        """Every analysed text passes here once (analysed in this process or by a worker): counted here."""
        if isinstance(unit, ValueUnit):
            uses_ner = unit_uses_ner(unit)
            self.ner_texts += uses_ner
            self.pattern_texts += not uses_ner
            self._store_value(unit, entities)
        else:
            self.ner_texts += 1
            super().store_unit(unit, entities)

    def fill(self, pending: Sequence) -> None:
        windows = [u for u in pending if not isinstance(u, ValueUnit)]
        values = [u for u in pending if isinstance(u, ValueUnit)]
        super().fill(windows)
        if not values:
            return
        assert self.detector is not None
        for unit, found in zip(values, analyze_values(self.detector, values), strict=True):
            self.store_unit(unit, found)

    # -- the per-part lookup the checks call --------------------------------------------------------

    def analyze_part(self, part: Part) -> list[Entity]:
        """Entities of a part; the last few parts' results are kept, since several checks ask for each."""
        recent = self._recent.get(id(part))
        if recent is not None and recent[0] is part:
            return recent[1]
        found = self._analyze_part(part)
        self._recent[id(part)] = (part, found)
        if len(self._recent) > RECENT_PARTS:
            self._recent.pop(next(iter(self._recent)))
        return found

    def _analyze_part(self, part: Part) -> list[Entity]:
        if part.provenance is None:
            self.fallback[part.field] += 1
            return self.analyze_text(part.text)
        self.parts_traced += 1
        text = part.text
        skeleton, literal, units = self._plan(part)
        literal_entities = self._literal_entities(skeleton, literal)
        out = [entity.shifted(_shift_for(literal, entity.start)) for entity in literal_entities]
        for _group, unit, layout in units:
            found = self.values.get(unit.key)
            if found is None:
                checked = self._checked(unit)
                if checked is not None:
                    self.fill([checked])
                found = self.values.get(unit.key, [])
            else:
                self.values.move_to_end(unit.key)
            for entity in found:
                mapped = layout.to_text(entity)
                if mapped is not None and text[mapped.start : mapped.end] == entity.text:
                    out.append(mapped)
        return _drop_overlaps(out)

    def _literal_entities(self, skeleton: str, literal: Sequence[tuple[int, int, int]]) -> list[Entity]:
        """The skeleton's entities that touch no mask, in skeleton coordinates (cached per skeleton)."""
        key = (skeleton, _mask_starts(literal))
        found = self.skeletons.get(key)
        if found is not None:
            self.skeletons.move_to_end(key)
            return found
        masks = _mask_spans(literal)
        found = [
            entity
            for entity in self.analyze_text(skeleton)
            if not any(entity.start < m_end and m_start < entity.end for m_start, m_end in masks)
        ]
        self.skeletons[key] = found
        if len(self.skeletons) > CACHE_SKELETONS:
            self.skeletons.popitem(last=False)
        return found

    def notes(self, messages: int, campaign: bool = True) -> list[str]:
        """What the report says about the fast path: how much spaCy ran, and which parts fell back. Nothing
        when no part had provenance (received mail, other template engines: line windows as always)."""
        out: list[str] = []
        if not self.parts_traced and not campaign:
            return out
        per_message = self.ner_texts / messages if messages else 0.0
        out.append(
            f"Analysis by template provenance: {self.parts_traced:,} parts traced to their templates, "
            f"{self.ner_texts:,} texts through spaCy ({per_message:.3f} per message), "
            f"{self.pattern_texts:,} value windows through patterns only, {self.shape_skipped:,} cleared by shape"
        )
        if self.fallback:
            fields = ", ".join(f"{name} ({count:,})" for name, count in sorted(self.fallback.items()))
            out.append(f"Analysed by line windows (no template provenance): {fields}")
        return out


def unit_uses_ner(unit: ValueUnit) -> bool:
    return unit.ner and NAME_ENTITY in unit.entities


def analyze_values(detector: Detector, units: Sequence[ValueUnit]) -> list[list[Entity]]:
    """Value windows through Presidio, each with only its possible entity types; spaCy's model only for
    windows where a name is possible (batched), the others on regex tokens (patterns only)."""
    out: list[list[Entity]] = [[] for _ in units]
    by_kind: dict[tuple[bool, tuple[str, ...], str], list[int]] = {}
    for index, unit in enumerate(units):
        by_kind.setdefault((unit_uses_ner(unit), unit.entities, unit.language), []).append(index)
    for (ner, entities, language), indexes in by_kind.items():
        texts = [units[i].text for i in indexes]
        if ner:
            results = detector.analyze_many(texts, language=language, entities=entities)
        else:
            results = detector.analyze_patterns(texts, language=language, entities=entities)
        for i, found in zip(indexes, results, strict=True):
            out[i] = found
    return out


def _mask_spans(literal: Sequence[tuple[int, int, int]]) -> list[tuple[int, int]]:
    """Where the masks are in the skeleton: after every literal piece but the last."""
    return [(start + length, start + length + len(MASK)) for start, _text_start, length in literal[:-1]]


def _mask_starts(literal: Sequence[tuple[int, int, int]]) -> tuple[int, ...]:
    return tuple(start + length for start, _text_start, length in literal[:-1])


def _shift_for(literal: Sequence[tuple[int, int, int]], skeleton_offset: int) -> int:
    """text offset - skeleton offset for a position inside a literal piece."""
    shift = 0
    for sk_start, text_start, _length in literal:
        if sk_start > skeleton_offset:
            break
        shift = text_start - sk_start
    return shift


__all__ = ["MASK", "ProvenanceAnalyzer", "Unit", "ValueUnit", "analyze_values", "groups_of", "skeleton_of"]
