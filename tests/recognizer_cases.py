"""Presidio-style recognizer tests: each case is a text with the expected spans marked `[[...]]`."""

from __future__ import annotations

import re

from presidio_analyzer import EntityRecognizer

_MARK = re.compile(r"\[\[(.*?)\]\]", re.DOTALL)  # values may span lines (addresses, signatures)


def expected_and_found(recognizer: EntityRecognizer, entity: str, marked: str) -> tuple[list[str], list[str]]:
    """(the marked values, the values the recognizer returns) for one case; a case with no mark expects none."""
    expected = _MARK.findall(marked)
    text = _MARK.sub(lambda m: m.group(1), marked)
    found = sorted(
        (r for r in recognizer.analyze(text, [entity]) if r.entity_type == entity), key=lambda r: (r.start, r.end)
    )
    return expected, [text[r.start : r.end] for r in found]
