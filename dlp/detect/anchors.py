"""Labelled patterns run only where their label is: the same matches, at a fraction of the cost.

A pattern such as `(?i)(?<=\\bpassword\\s{0,2}:\\s*)VALUE` puts the label in a variable-width lookbehind,
and the `regex` engine Presidio uses tries that lookbehind backwards at *every* position of the text.
On a megabyte of kernel log that was most of the scan (issue 13: LabelledId alone ~6 s, account numbers,
credentials and birth dates another ~6 s), although the labels occur a handful of times. Searched
forwards, the same label alternation costs a hundredth of that.

So a pattern of the form `(?flags)(?<=LABEL)VALUE` gets an `AnchoredRegex` in place of its compiled
regex: it searches LABEL forwards, and runs the whole pattern (unchanged) only in the regions that start
at a label hit and reach `REACH` characters past it, to the end of that line. The matches are exactly
the pattern's matches over the whole text:
- every match starts where some LABEL match ends; that LABEL match starts at a hit of the forward search
  or inside one (the search is leftmost, non-overlapping), so the match starts in the hit's region; it
  ends within REACH of the hit (labels and values are bounded) or, for an unbounded run of digits, on
  its own line, and a region runs to a line end;
- regions that overlap are merged, so no match is split, and scanning a region from its start finds what
  scanning from the text's start finds there (no match can begin before a region and reach into it);
- the `regex` engine's lookbehind reads before `pos`, so the label is seen as in the whole text.
Presidio still builds, validates and scores every result itself; only `finditer` is narrowed.
"""

from __future__ import annotations

from collections.abc import Iterator

import regex

# How far past the start of a label hit a match can end: the longest label with its gaps (~120
# characters here), plus the longest value (64), with room to spare. A region then runs to its line end.
REACH = 512
# A region whose line does not end within this much more is run to the end of the text (a text of one
# endless line): slower, never different.
LINE_SLACK = 4096

_FLAGS = regex.compile(r"\(\?[aiLmsux]+\)")


def split_lookbehind(pattern: str) -> tuple[str, str] | None:
    """(flags + LABEL, VALUE) when `pattern` is `(?flags)(?<=LABEL)VALUE` with no top-level alternation
    in VALUE (else a match could do without the label); None for any other pattern."""
    flags = _FLAGS.match(pattern)
    start = flags.end() if flags else 0
    if not pattern.startswith("(?<=", start):
        return None
    close = _closing(pattern, start)
    if close is None:
        return None
    label, value = pattern[start + 4 : close], pattern[close + 1 :]
    if not value or _has_top_level_bar(value):
        return None
    prefix = flags.group(0) if flags else ""
    return f"{prefix}(?:{label})", value


def _scan(pattern: str, start: int) -> Iterator[tuple[int, str, int]]:
    """(index, character, depth) of the pattern's syntax from `start`: escapes and classes skipped."""
    depth = 0
    i = start
    length = len(pattern)
    while i < length:
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            i = _class_end(pattern, i)
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        yield i, ch, depth
        i += 1


def _class_end(pattern: str, i: int) -> int:
    """Index after the character class opening at `i` (a leading `]` or `^]` is a member)."""
    j = i + 1
    if j < len(pattern) and pattern[j] == "^":
        j += 1
    if j < len(pattern) and pattern[j] == "]":
        j += 1
    while j < len(pattern):
        if pattern[j] == "\\":
            j += 2
            continue
        if pattern[j] == "[":  # a nested set of the `regex` module (V1) or a POSIX class: skip it whole
            j = _class_end(pattern, j)
            continue
        if pattern[j] == "]":
            return j + 1
        j += 1
    return j


def _closing(pattern: str, start: int) -> int | None:
    for index, ch, depth in _scan(pattern, start):
        if ch == ")" and depth == 0:
            return index
    return None


def _has_top_level_bar(pattern: str) -> bool:
    return any(ch == "|" and depth == 0 for _i, ch, depth in _scan(pattern, 0))


class AnchoredRegex:
    """A compiled `(?<=LABEL)VALUE` pattern whose `finditer` looks only near LABEL's forward hits."""

    def __init__(self, pattern: str, flags: int) -> None:
        parts = split_lookbehind(pattern)
        if parts is None:
            raise ValueError("not a labelled pattern: (?flags)(?<=LABEL)VALUE")
        self.compiled = regex.compile(pattern, flags)
        self.anchor = regex.compile(parts[0], flags)
        self.pattern = pattern

    def regions(self, text: str) -> Iterator[tuple[int, int]]:
        """Merged (pos, endpos) spans of `text` that hold every match of the pattern."""
        lo = hi = -1
        for hit in self.anchor.finditer(text):
            start = hit.start()
            if lo >= 0 and start > hi:
                yield lo, hi
                lo = -1
            if lo < 0:
                lo = start
            hi = max(hi, _line_end(text, hit.end() + REACH))
        if lo >= 0:
            yield lo, hi

    def finditer(self, text: str, *args, **kwargs) -> Iterator:
        if args:  # pos/endpos given: not Presidio's call, answer it plainly
            yield from self.compiled.finditer(text, *args, **kwargs)
            return
        for lo, hi in self.regions(text):
            yield from self.compiled.finditer(text, lo, hi, **kwargs)

    def __getattr__(self, name: str):  # search, match, pattern flags...: the whole pattern's own
        return getattr(self.compiled, name)


def _line_end(text: str, position: int) -> int:
    if position >= len(text):
        return len(text)
    newline = text.find("\n", position, position + LINE_SLACK)
    return len(text) if newline < 0 else newline


def anchor_labelled_patterns(recognizer) -> int:
    """Give each labelled pattern of a Presidio PatternRecognizer an `AnchoredRegex`, compiled with the
    flags Presidio uses for it (so Presidio keeps it instead of recompiling). Returns how many."""
    flags = getattr(recognizer, "global_regex_flags", None)
    count = 0
    for pattern in getattr(recognizer, "patterns", None) or []:
        if isinstance(pattern.compiled_regex, AnchoredRegex) or split_lookbehind(pattern.regex) is None:
            continue
        pattern.compiled_regex = AnchoredRegex(pattern.regex, flags or 0)
        pattern.compiled_with_flags = flags
        count += 1
    return count
