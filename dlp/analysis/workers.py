"""Worker processes that run Presidio for the pipeline, one detector per process.

Each worker loads the detector once (the pool initializer; under `fork` it inherits the parent's already
loaded one, so start-up is nearly free) and analyses batches of texts with `nlp.pipe`. Workers only
analyse; checks stay in the parent process, which keeps stateful checks (`finish()`) simple.

Workers die with their parent: a `kill -9` or SIGTERM of `dlp preflight` (or of `dlp serve`, whose
scanner processes use `die_with_parent` too) must not leave processes behind that hold memory, pipes or,
forked from a server, its listening socket.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from dlp.analysis.segments import Unit, analyze_windows
from dlp.detect.engine import Detector, get_detector
from dlp.detect.entities import Entity

_WORKER: tuple[Detector, list[str]] | None = None
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
PARENT_POLL_SECONDS = 0.5


def die_with_parent(parent_pid: int) -> str:
    """Make this process end when `parent_pid` does; returns the mechanism used.

    Linux: the kernel sends SIGKILL when the parent exits (prctl PR_SET_PDEATHSIG), which also stops a
    worker stuck in C code (a regex, spaCy) that a watcher thread could not interrupt. Elsewhere: a
    daemon thread polls the parent pid. Either way, a parent already gone ends this process now (the
    parent may have died between our start and this call). The kernel ties the signal to the *thread*
    that started us, so parents start workers from their main thread only.
    """
    mechanism = "watcher"
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
            mechanism = "pdeathsig"
    if os.getppid() != parent_pid:
        os._exit(1)
    if mechanism == "watcher":

        def watch() -> None:
            while os.getppid() == parent_pid:
                time.sleep(PARENT_POLL_SECONDS)
            os._exit(1)

        threading.Thread(target=watch, name="dlp-parent-watch", daemon=True).start()
    return mechanism


def _init(parent_pid: int, recognizers: Sequence[dict], entities: Sequence[str]) -> None:
    global _WORKER
    die_with_parent(parent_pid)
    _WORKER = (get_detector(extra_recognizers=recognizers), list(entities))


def _analyse(items: Sequence) -> list[list[Entity]]:
    """Line windows ((language, text, ner)) and provenance value windows (`ValueUnit`), in the order given."""
    assert _WORKER is not None, "worker used before its initializer ran"
    detector, entities = _WORKER
    windows = [i for i, item in enumerate(items) if isinstance(item, tuple)]
    values = [i for i, item in enumerate(items) if not isinstance(item, tuple)]
    out: list[list[Entity]] = [[] for _ in items]
    for i, found in zip(windows, analyze_windows(detector, [items[i] for i in windows], entities), strict=True):
        out[i] = found
    if values:
        from dlp.analysis.provenance import analyze_values

        for i, found in zip(values, analyze_values(detector, [items[i] for i in values]), strict=True):
            out[i] = found
    return out


# A chunk with this many characters to analyse is shared out among the workers (two pieces).
SPLIT_CHARS = 200_000


class _Joined:
    """The results of a chunk's slices, in the chunk's order (what `Future.result` gives for one task)."""

    def __init__(self, futures: list[Future]) -> None:
        self.futures = futures

    def result(self) -> list[list[Entity]]:
        out: list[list[Entity]] = []
        for future in self.futures:
            out.extend(future.result())
        return out


class AnalysisPool:
    """A process pool over the machine's cores for `analyze_windows`."""

    def __init__(self, workers: int, recognizers: Sequence[dict], entities: Sequence[str]) -> None:
        self.workers = workers
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_init,
            initargs=(os.getpid(), list(recognizers), list(entities)),
        )

    def submit(self, units: Sequence[Unit]) -> Future | _Joined:
        """One chunk's units to the workers. A chunk of one huge message (a megabyte log in `dlp check`) is
        cut into one contiguous slice per worker, so all cores share it instead of one; a campaign's chunks
        are small and already keep every worker busy, one task each."""
        jobs = [u.job if isinstance(u, Unit) else u for u in units]
        chars = [len(u.text) for u in units]
        if self.workers < 2 or sum(chars) < SPLIT_CHARS:
            return self.executor.submit(_analyse, jobs)
        share = sum(chars) / self.workers
        slices: list[list] = [[]]
        size = 0
        for job, length in zip(jobs, chars, strict=True):
            if size >= share * len(slices) and len(slices) < self.workers:
                slices.append([])
            slices[-1].append(job)
            size += length
        return _Joined([self.executor.submit(_analyse, part) for part in slices if part])

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
