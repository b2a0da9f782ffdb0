"""Worker processes that run Presidio for the pipeline, one detector per process.

Each worker loads the detector once (the pool initializer; under `fork` it inherits the parent's already
loaded one, so start-up is nearly free) and analyses batches of texts with `nlp.pipe`. Workers only
analyse; checks stay in the parent process, which keeps stateful checks (`finish()`) simple.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from dlp.analysis import Unit, analyze_windows
from dlp.detect.engine import Detector, get_detector
from dlp.detect.entities import Entity

_WORKER: tuple[Detector, list[str]] | None = None


def _init(recognizers: Sequence[dict], entities: Sequence[str]) -> None:
    global _WORKER
    _WORKER = (get_detector(extra_recognizers=recognizers), list(entities))


def _analyse(texts: Sequence[tuple[str, str]]) -> list[list[Entity]]:
    assert _WORKER is not None, "worker used before its initializer ran"
    detector, entities = _WORKER
    return analyze_windows(detector, texts, entities)


class AnalysisPool:
    """A process pool over the machine's cores for `analyze_windows`."""

    def __init__(self, workers: int, recognizers: Sequence[dict], entities: Sequence[str]) -> None:
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_init,
            initargs=(list(recognizers), list(entities)),
        )

    def submit(self, units: Sequence[Unit]) -> Future:
        return self.executor.submit(_analyse, [(u.language, u.text) for u in units])

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
