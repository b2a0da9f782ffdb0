"""Every window the fast path analyses fits in one spaCy piece, so it is analysed in the batch.

A line cut at the piece limit plus its context used to exceed the limit; `Detector.analyze_many` then
took those windows out of the `nlp.pipe` batch and analysed each one by one in overlapping pieces.
"""

from __future__ import annotations

import itertools

import pytest

from dlp.analysis import SegmentAnalyzer, windows
from dlp.budgets import piece_chars
from dlp.detect.engine import Detector, get_detector, pieces

PIECE = 3000


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DLP_MAX_PIECE_CHARS", str(PIECE))


def _flat_log(lines: int) -> str:
    """A log flattened to one line: a real shape of attachment text with no line breaks."""
    return " ".join(f"2024-03-0{i % 9 + 1} user{i} logged in from host{i}.example.net;" for i in range(lines))


def test_windows_of_a_long_line_fit_in_one_piece(small_pieces: None) -> None:
    text = _flat_log(400) + "\nshort line\n" + "x" * (3 * PIECE)  # words, then one unbreakable "word"
    found = list(windows(text))
    assert len(found) > 6
    assert max(len(w.text) for w in found) <= piece_chars() == PIECE
    owned = [w.offset + w.lo for w in found]
    assert owned == sorted(owned)


@pytest.mark.parametrize("size", [40, 1000, PIECE, 100_000])
def test_pieces_with_context_never_outgrow_their_size(size: int) -> None:
    text = ("word " * (size // 2)) * 5
    spans = list(pieces(text, size))
    assert max(hi - lo for lo, hi, _own_lo, _own_hi in spans) <= size
    owned = [(own_lo, own_hi) for _lo, _hi, own_lo, own_hi in spans]
    assert owned[0][0] == 0 and owned[-1][1] == len(text)
    assert all(a[1] == b[0] and a[0] < a[1] for a, b in itertools.pairwise(owned))


def test_a_long_line_is_analysed_in_the_batch(small_pieces: None, monkeypatch: pytest.MonkeyPatch) -> None:
    detector = get_detector()
    text = _flat_log(300) + " Please call Maria Rossi at 0151 2345 6789 about it."

    def refuse(*args, **kwargs):
        raise AssertionError("a window longer than a piece left the batch")

    monkeypatch.setattr(Detector, "_analyze_pieces", refuse)
    analyzer = SegmentAnalyzer(detector, ["PERSON", "PHONE_NUMBER"])
    found = analyzer.analyze_text(text)
    assert "Maria Rossi" in {e.text for e in found}


def test_text_in_crumbs_is_read_in_fewer_windows_and_still_whole() -> None:
    """A message of a million one-character lines (bare CR line ends turned into line breaks) made a
    window per line: 15 s of CPU for 2 MB. Lines that small are joined into windows of a few words."""
    from dlp.analysis.segments import CRUMB_CHARS, windows

    text = "x\n" * 30_000 + "Customer SSN: 536-22-8451\n" + "y\n" * 30_000
    found = list(windows(text))
    assert len(found) <= 2 * len(text) // CRUMB_CHARS  # was 60,001
    covered = "".join(w.text[w.lo : w.hi] for w in found)
    assert covered.replace("\n", "") == text.replace("\n", "")  # every character still read
    assert any("536-22-8451" in w.text for w in found)
    assert len(list(windows("Hi Anna,\n\nyour order shipped.\n"))) == 2  # ordinary text: a window per line
