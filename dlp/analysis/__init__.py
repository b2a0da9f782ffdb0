"""Analysis: the pipeline stage that finds entities in what each message says.

`stage.AnalysisStage` turns messages into `AnalyzedMessage`s (the message and its entities by part),
the one place detection runs; checks read entities from there and never call the detector. How the
entities are found is the stage's business: each distinct line-in-context once (`segments`), batched
over a chunk of messages, on worker processes for big scans (`workers`), or every part whole
(`WholeAnalyzer`, the reference path).
"""

from dlp.analysis.segments import (
    CACHE_WINDOWS,
    CONTEXT_WORDS,
    RIGHT_WORDS,
    SegmentAnalyzer,
    Unit,
    WholeAnalyzer,
    Window,
    analyze_windows,
    keep_for_window,
    line_spans,
    merge_windows,
    windows,
)
from dlp.analysis.stage import AnalysisStage, AnalyzedMessage
from dlp.budgets import CONTEXT_CHARS

__all__ = [
    "CACHE_WINDOWS",
    "CONTEXT_CHARS",
    "CONTEXT_WORDS",
    "RIGHT_WORDS",
    "AnalysisStage",
    "AnalyzedMessage",
    "SegmentAnalyzer",
    "Unit",
    "WholeAnalyzer",
    "Window",
    "analyze_windows",
    "keep_for_window",
    "line_spans",
    "merge_windows",
    "windows",
]
