"""Where each character of a rendered message came from: template literal, or which `{{ expression }}`.

sqlfluff's `TemplatedFile` knows which slice of rendered SQL came from which slice of the template; this
is the same idea for mail. Jinja2 compiles every `{{ expr }}` through its code generator, so an
instrumented generator (`MarkingCodeGenerator`) wraps each output value that goes straight into the
message (not into a `{% set %}` block, a macro, a `{% filter %}` or `{% call %}` body, whose text the
template may still compare, measure or filter) in private-use marker characters: OPEN, the slot number in
private-use digits, SEP, the escaped value, CLOSE. Markers survive autoescape (markupsafe escapes only
`&<>"'`), the HTML-to-text pass and whitespace folding; afterwards they are parsed into value spans and
stripped.

Exactness comes first: the rendered text is always the text rendered without markers. A part gets
provenance only when transforming the marked text (HTML to text, header folding, normalisation) and then
stripping the markers gives exactly that text; otherwise (a value at a line edge with spaces around it,
a value inside a tag name) the part has no provenance and is analysed as before. A value that itself
contains marker characters taints the render, which then runs again unmarked.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator

OPEN = "\ue000"
SEP = "\ue001"
CLOSE = "\ue002"
_DIGIT0 = 0xE100  # slot numbers are written base 256 in U+E100..U+E1FF
MARK_CHARS = re.compile("[\ue000-\ue1ff]")
_MARKERS = re.compile("\ue000[\ue100-\ue1ff]*\ue001|\ue002")

# Slot kinds, decided per render: a plain lookup of a recipient column, a campaign constant (`vars:`, the
# same in every message), or anything computed (filters, loop variables, `~`, macro calls).
COLUMN = "column"
CONSTANT = "constant"
COMPUTED = "computed"


@dataclass(frozen=True)
class Slot:
    """One `{{ expression }}` of a template, by its place in the template source."""

    id: int
    template: str  # the template file (campaign-relative), or the campaign file for an inline template
    line: int  # 1-based line in that file (inline templates: from the line of their key)
    column: int | None  # 1-based column of `{{` in the template source, when found on its line
    expression: str  # the expression's source text (no values: it is the template's own text)
    name: str | None  # the variable, when the expression is a plain name the template never assigns


@dataclass(frozen=True)
class ValueSpan:
    start: int
    end: int
    slot: Slot
    kind: str  # COLUMN, CONSTANT or COMPUTED
    column: str | None = None  # for COLUMN: the list's own name of the column (`First Name` for first_name)

    @property
    def variable(self) -> str | None:
        return (self.column or self.slot.name) if self.kind == COLUMN else None


@dataclass(frozen=True)
class Provenance:
    """The value spans of a part's text (sorted, disjoint); everything else is the template's literal text.

    `marked` is the part's text with its markers, kept so the spans can be derived again after the text is
    transformed once more (normalisation before detection)."""

    spans: tuple[ValueSpan, ...]
    marked: str = field(repr=False, compare=False)
    template: str | None = None  # the part's own template file (where its literal text is written)

    def span_at(self, start: int, end: int) -> ValueSpan | None:
        """The first value span overlapping [start, end), if any."""
        for span in self.spans:
            if span.start < end and start < span.end:
                return span
            if span.start >= end:
                break
        return None

    def is_literal(self, start: int, end: int) -> bool:
        return self.span_at(start, end) is None

    def transformed(self, transform: Callable[[str], str], expected: str) -> Provenance | None:
        """This provenance after `transform` (which produced `expected` from the unmarked text), or None."""
        derived = derive(self.marked, transform, expected, self.spans_by_id().get)
        return None if derived is None else replace(derived, template=self.template)

    def origin(self, start: int, end: int) -> tuple[str, tuple[str, int | None, int | None] | None] | None:
        """("template" or "variable:<column>", (file, line, column)) for an entity at [start, end); None when
        the value was computed (filters, loops, macros): the caller falls back to matching the row."""
        span = self.span_at(start, end)
        if span is None:
            return "template", ((self.template, None, None) if self.template else None)
        where = (span.slot.template, span.slot.line, span.slot.column)
        if span.kind == COLUMN:
            return f"variable:{span.variable}", where
        if span.kind == CONSTANT:
            return "template", where
        return None

    def spans_by_id(self) -> dict[int, tuple[Slot, str, str | None]]:
        return {s.slot.id: (s.slot, s.kind, s.column) for s in self.spans}


# ---- marking ---------------------------------------------------------------------------------------------


_ENCODED: list[str] = []


def encode_id(number: int) -> str:
    if number < len(_ENCODED):
        return _ENCODED[number]
    digits = []
    while True:
        number, digit = divmod(number, 256)
        digits.append(chr(_DIGIT0 + digit))
        if not number:
            break
    return "".join(reversed(digits))


def _open_marker(slot_id: int) -> str:
    """OPEN + the slot number + SEP, built once per slot (every message writes it again)."""
    while len(_ENCODED) <= slot_id:
        _ENCODED.append(encode_id(len(_ENCODED)))
    return OPEN + _ENCODED[slot_id] + SEP


def decode_id(text: str) -> int:
    number = 0
    for char in text:
        number = number * 256 + (ord(char) - _DIGIT0)
    return number


class _Taint(threading.local):
    tainted = False


TAINT = _Taint()


def mark(slot_id: int, value: Any) -> str:
    """What the generated template code calls on every marked output (already escaped and finalised)."""
    text = str(value)
    if not text.strip():
        return text  # nothing to trace; markers would turn blank text into text (HTML parsing treats it apart)
    if not text.isascii() and MARK_CHARS.search(text):
        TAINT.tainted = True  # a value (or an include inside a capture) carries markers: render again unmarked
        return text
    return _open_marker(slot_id) + text + CLOSE


# A tag (quoted attribute values may hold '>'), and a character reference a marker could cut in two.
_TAG = re.compile(r"<[^<>\"']*(?:(?:\"[^\"]*\"|'[^']*')[^<>\"']*)*>?")
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")
_CUT_REFERENCE = re.compile("&[#\\w]*[\ue000-\ue1ff]")


def markers_only_in_text(html: str) -> bool:
    """Whether every marker of a marked HTML render sits in text or in a quoted attribute value, so that
    parsing it gives the tree of the unmarked render (no marker in a tag or attribute name, an unquoted
    value, or a character reference)."""
    if _CUT_REFERENCE.search(html):
        return False
    for match in _TAG.finditer(html):
        tag = match.group()
        if MARK_CHARS.search(tag) and MARK_CHARS.search(_QUOTED.sub("", tag)):
            return False
    return True


def strip_marks(text: str) -> str:
    return _MARKERS.sub("", text)


def has_marks(text: str) -> bool:
    return OPEN in text


def parse(marked: str) -> tuple[str, list[tuple[int, int, int]]] | None:
    """(text without markers, [(start, end, slot id)]); None when the markers do not nest properly.

    A span holding other spans (an include rendered inside a captured block) is dropped; its inner spans
    stay, so everything not inside a kept span is literal text of some template."""
    out: list[str] = []
    length = 0
    stack: list[list[int]] = []  # [slot id, start, has children]
    spans: list[tuple[int, int, int]] = []
    position = 0
    for match in _MARKERS.finditer(marked):
        piece = marked[position : match.start()]
        out.append(piece)
        length += len(piece)
        position = match.end()
        token = match.group()
        if token == CLOSE:
            if not stack:
                return None
            slot_id, start, children = stack.pop()
            if stack:
                stack[-1][2] = 1
            if not children and length > start:
                spans.append((start, length, slot_id))
        else:
            stack.append([decode_id(token[1:-1]), length, 0])
    if stack:
        return None
    out.append(marked[position:])
    spans.sort()
    return "".join(out), spans


def derive(
    marked: str,
    transform: Callable[[str], str] | None,
    expected: str,
    resolve: Callable[[int], tuple[Slot, str, str | None] | None],
) -> Provenance | None:
    """Provenance of `expected` (the real text) from the marked text, or None when they do not agree."""
    transformed = transform(marked) if transform is not None else marked
    parsed = parse(transformed)
    if parsed is None:
        return None
    text, raw_spans = parsed
    if text != expected:
        return None
    spans = []
    for start, end, slot_id in raw_spans:
        known = resolve(slot_id)
        if known is None:
            return None
        spans.append(ValueSpan(start, end, *known))
    return Provenance(tuple(spans), transformed)


# ---- the code generator -----------------------------------------------------------------------------------


class SlotTable:
    """Every marked expression of an environment, by slot number (shared by all its templates)."""

    def __init__(self) -> None:
        self.slots: list[Slot] = []
        self.lock = threading.Lock()
        self.source: str | None = None  # the source being compiled (for columns and expression text)
        self.label: tuple[str, int] | None = None  # (campaign file, line) of an inline template being compiled

    def add(self, template: str, line: int, column: int | None, expression: str, name: str | None) -> int:
        with self.lock:
            slot = Slot(len(self.slots), template, line, column, expression, name)
            self.slots.append(slot)
            return slot.id

    def kinds(self, row_names: Any, constants: Any) -> dict[int, tuple[Slot, str]]:
        """Each slot with its kind for one render: a plain name is a column when the row has it (the row
        wins over `vars:`, as in the render), a constant when only `vars:` has it."""
        out = {}
        for slot in self.slots:
            if slot.name is not None and slot.name in row_names:
                kind = COLUMN
            elif slot.name is not None and slot.name in constants:
                kind = CONSTANT
            else:
                kind = COMPUTED
            out[slot.id] = (slot, kind)
        return out


def _expression_at(source_line: str, column: int) -> str:
    start = column + 2  # after "{{"
    end = source_line.find("}}", start)
    text = source_line[start : end if end >= 0 else len(source_line)]
    return text.strip().strip("-+").strip()


class MarkingCodeGenerator(CodeGenerator):
    """Jinja2's code generator, with each directly emitted `{{ expr }}` wrapped in `environment.dlp_mark`."""

    def visit_Template(self, node: nodes.Template, frame: Any = None) -> None:
        self._assigned = {n.name for n in node.find_all(nodes.Name) if n.ctx in ("store", "param")}
        self._per_line: Counter[int] = Counter()
        table: SlotTable | None = getattr(self.environment, "slot_table", None)
        source = table.source if table is not None else None
        self._lines = source.split("\n") if source is not None else []
        super().visit_Template(node, frame)

    def _marking(self, frame: Any) -> bool:
        return frame.buffer is None and getattr(self.environment, "slot_table", None) is not None

    def _output_child_pre(self, node: nodes.Expr, frame: Any, finalize: Any) -> None:
        if self._marking(frame):
            table: SlotTable = self.environment.slot_table  # type: ignore[attr-defined]
            line = node.lineno
            occurrence = self._per_line[line]
            self._per_line[line] += 1
            column = None
            expression = ""
            if 0 < line <= len(self._lines):
                text = self._lines[line - 1]
                found = -1
                for _ in range(occurrence + 1):
                    found = text.find("{{", found + 1)
                    if found < 0:
                        break
                if found >= 0:
                    column = found + 1
                    expression = _expression_at(text, found)
            name = node.name if isinstance(node, nodes.Name) and node.name not in self._assigned else None
            template, first_line = self.name or "<template>", 1
            if table.label is not None and self.name is None:
                template, first_line = table.label
                column = None  # a column in the template string is none in the campaign file
            slot_id = table.add(template, first_line + line - 1, column, expression, name)
            self.write(f"environment.dlp_mark({slot_id}, ")
        super()._output_child_pre(node, frame, finalize)

    def _output_child_post(self, node: nodes.Expr, frame: Any, finalize: Any) -> None:
        super()._output_child_post(node, frame, finalize)
        if self._marking(frame):
            self.write(")")


CAPTURES = (nodes.Macro, nodes.CallBlock, nodes.FilterBlock, nodes.AssignBlock)


def includes_in_captures(template_ast: nodes.Template) -> bool:
    """An `{% include %}` inside a captured body would put its markers into text the template may measure."""
    return any(
        True for capture in template_ast.find_all(CAPTURES) for _ in capture.find_all((nodes.Include, nodes.Import))
    )


class MarkingEnvironment:
    """Mixin for a Jinja2 environment whose templates mark their output values (see the module docstring).

    `slot_table` is shared by every template the environment compiles (includes and parents too), so a
    slot number found in any rendered text names its expression."""

    code_generator_class = MarkingCodeGenerator
    slot_table: SlotTable | None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.slot_table = SlotTable()

    @staticmethod
    def dlp_mark(slot_id: int, value: Any) -> str:
        return mark(slot_id, value)

    def compile(self, source: Any, name: str | None = None, filename: str | None = None, *args: Any, **kwargs: Any):
        table = self.slot_table
        if table is not None and isinstance(source, str):
            table.source = source
            try:
                return super().compile(source, name, filename, *args, **kwargs)  # type: ignore[misc]
            finally:
                table.source = None
        return super().compile(source, name, filename, *args, **kwargs)  # type: ignore[misc]

    def overlay(self, *args: Any, **kwargs: Any):
        """Overlays (the undefined-name collector) render off the normal path: no marking, no new slots."""
        env = super().overlay(*args, **kwargs)  # type: ignore[misc]
        env.slot_table = None
        return env

    def compile_labelled(self, source: str, file: str, line: int | None):
        """`from_string` for an inline template, its slots placed in `file` from `line` on (its key's line)."""
        table = self.slot_table
        if table is not None:
            table.label = (file, line or 1)
        try:
            return self.from_string(source)  # type: ignore[attr-defined]
        finally:
            if table is not None:
                table.label = None
