"""`dlp preflight` on every core: forked workers render, analyse and check chunks of rows; this process
merges their findings in row order and finishes the scan.

A serial preflight spends most of its time in one process rendering messages and running the per-message
checks (spaCy runs once per template variant and once per distinct name, not per message), so only more
processes doing the whole per-message loop make it faster. The work is cut and merged exactly as a Dask
cluster cuts and merges it (`dlp.cluster`): consecutive row ranges (`plan.row_partitions`), each scanned
by the pipeline's per-message loop without `finish` (`tasks._scan`), and folded in row order into this
process's checks (`merge.Merge`: per-message findings appended, held-back values and sightings handed
over), which then run every `finish()` and the list-level checks once, here, as one pass would.

What a cluster ships, a fork inherits: the compiled rules, the scope with the recipient value index and
the column pass, the loaded detector with its caches, and the compiled templates are all in memory before
the workers start, so nothing big is pickled (only each chunk's rows go out and its findings come back).
The first chunk is scanned here before the fork: it builds the scope's lazy facts in the order one pass
builds them, and fills the template caches (skeleton windows, stand-in values) every worker then starts
with, so no worker analyses the template text again.

Failure never passes silently: a worker that dies (killed, out of memory, a crash in C code) ends the run
with exit 2 naming the rows it held; an exception in a worker ends it as it would in one process; workers
ignore Ctrl-C (this process handles it and kills them) and die with this process (`die_with_parent`).
`DLP_WORKERS=0` (or 1) keeps the single-process path; small lists (`PARALLEL_AFTER_ROWS`) use it too.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import os
import signal
import time
from collections import Counter, deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from dlp import progress_events
from dlp.analysis.stage import AnalysisStage
from dlp.analysis.workers import die_with_parent
from dlp.cluster.merge import Merge
from dlp.cluster.plan import RowRange, row_partitions
from dlp.cluster.tasks import PartialScan, TaskFailure, _scan
from dlp.errors import InputError
from dlp.model import Report
from dlp.pipeline import ProgressHook, Scanner, build_report, default_workers, expected_messages

CHUNK_ROWS_ENV = "DLP_PARALLEL_CHUNK_ROWS"
DEFAULT_CHUNK_ROWS = 1_000  # a few seconds of work per chunk: the merge keeps up, a slow chunk idles nobody long
MIN_CHUNK_ROWS = 50
FIRST_CHUNK_ROWS = 256  # scanned here before the fork, to build the facts and warm the caches workers inherit
PARALLEL_AFTER_ROWS = 2_000  # below this, forking and merging cost more than they save
CHUNKS_PER_WORKER = 4
MIN_CACHE = 5_000  # entries a worker's analysis cache keeps at least
# Counters of the analyzer (`dlp.analysis`) that the report's notes read: summed over the workers.
ANALYZER_COUNTERS = ("hits", "misses", "parts_traced", "ner_texts", "pattern_texts", "shape_skipped")


@dataclass
class _Job:
    """What the workers inherit by fork (module state, set before the pool starts; never pickled)."""

    scanner: Scanner
    renderer: Any


_JOB: _Job | None = None


def parallel_workers(scanner: Scanner, expected_rows: int | None) -> int:
    """How many worker processes this preflight uses: 0 for the single-process path."""
    if scanner.straightforward:
        return 0
    workers = default_workers()
    if workers <= 1 or (expected_rows is not None and expected_rows < PARALLEL_AFTER_ROWS):
        return 0
    try:
        Merge(scanner.checks, renumber=False)
    except InputError:  # a check whose cross-message state cannot be merged: one process sees every message
        return 0
    return workers


def chunk_rows(expected_rows: int | None, workers: int) -> int:
    raw = os.environ.get(CHUNK_ROWS_ENV, "").strip()
    if raw:
        try:
            return max(1, int(raw))
        except ValueError:
            raise InputError(f"{CHUNK_ROWS_ENV} must be a whole number, not '{raw}'") from None
    if not expected_rows:
        return DEFAULT_CHUNK_ROWS
    return max(MIN_CHUNK_ROWS, min(DEFAULT_CHUNK_ROWS, expected_rows // (CHUNKS_PER_WORKER * workers)))


def preflight_rows(scanner: Scanner, campaign: Any, renderer: Any, progress: ProgressHook | None) -> Report:
    """The campaign's messages scanned by `scanner`: on worker processes when the list is big enough and
    the machine has the cores, else rendered and scanned in this process."""
    scope = scanner.scope
    expected = expected_messages(scope) if campaign.spec.mode != "broadcast" else None
    workers = parallel_workers(scanner, expected) if campaign.spec.mode != "broadcast" else 0
    if not workers:
        from dlp.render import render_campaign

        return scanner.scan(render_campaign(campaign, renderer), progress)
    return ParallelScan(scanner, renderer, workers, chunk_rows(expected, workers)).run(progress, expected)


# ---- the worker side --------------------------------------------------------------------------------------


def _init(parent_pid: int, workers: int) -> None:
    die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it stops the run and ends us
    progress_events.listen(None)  # the parent draws progress; a worker writing to the terminal would garble it
    _share_caches(workers)


def _share_caches(workers: int) -> None:
    """Each worker's analysis caches hold 1/workers of what one process may hold, so the workers together
    stay within the single-process bound (the value-window cache alone may reach ~100 MB). The caches are
    memos: a smaller one costs a recomputation now and then, never a different finding."""
    from dlp.analysis import provenance

    provenance.CACHE_VALUES = max(MIN_CACHE, provenance.CACHE_VALUES // workers)
    analyzer = _JOB.scanner.stage.analyzer if _JOB is not None and _JOB.scanner.stage is not None else None
    if analyzer is not None and hasattr(analyzer, "max_entries"):
        analyzer.max_entries = max(MIN_CACHE, analyzer.max_entries // workers)


def chunk_scanner(parent: Scanner) -> Scanner:
    """Fresh checks over the shared scope, compiled rules and analyzer (its caches kept, its counters
    read as deltas): a chunk's checks start empty, as a cluster partition's do."""
    scope = parent.scope
    checks = scope.compiled.checks(scope)
    stage = None
    if parent.stage is not None:
        stage = AnalysisStage(parent.stage.analyzer, workers=0, recognizers=parent.stage.recognizers)
        stage.campaign = parent.stage.campaign
    return Scanner(scope=scope, checks=checks, stage=stage, key_warning=parent.key_warning)


def analyzer_counters(analyzer: Any) -> Counter:
    out: Counter = Counter({name: getattr(analyzer, name) for name in ANALYZER_COUNTERS if hasattr(analyzer, name)})
    for field, count in getattr(analyzer, "fallback", {}).items():
        out[f"fallback:{field}"] = count
    return out


def scan_chunk(first_index: int, rows: list) -> PartialScan | TaskFailure:
    """Render, analyse and check one chunk of rows (message numbers from `first_index`), keeping the state
    of the cross-message checks for the parent. Bad input comes back as a `TaskFailure` (exit 2 in the
    parent, with the file and line); anything else raises there as it would in one process."""
    assert _JOB is not None, "scan_chunk runs in a process that inherited the job"
    scanner = chunk_scanner(_JOB.scanner)
    analyzer = scanner.stage.analyzer if scanner.stage is not None else None
    before = analyzer_counters(analyzer)
    built = set(scanner.scope._facts.built)
    result = PartialScan()
    messages = (_JOB.renderer.render(first_index + i, dict(r.columns), r) for i, r in enumerate(rows))
    started = time.perf_counter()
    try:
        _scan(scanner, messages, result, own_recipients=True)
    except InputError as exc:
        return TaskFailure(str(exc), (exc.detail, exc.path, exc.line))
    result.seconds = time.perf_counter() - started
    # The recipients' hashes as one array (8 bytes each; a million in a Python set would be ~60 MB).
    result.recipients = np.fromiter(result.recipients, dtype=np.uint64, count=len(result.recipients))  # type: ignore[assignment]
    result.analysis = analyzer_counters(analyzer) - before
    result.notes = [note for check in scanner.checks for note in check.notes()]
    result.facts = sorted(set(scanner.scope._facts.built) - built)
    return result


# ---- the parent side --------------------------------------------------------------------------------------


class ParallelScan:
    """Chunks out to forked workers a window ahead, results merged in row order, the scan finished here."""

    def __init__(self, scanner: Scanner, renderer: Any, workers: int, rows_per_chunk: int) -> None:
        self.scanner = scanner
        self.renderer = renderer
        self.workers = workers
        self.rows_per_chunk = rows_per_chunk
        self.merge = Merge(scanner.checks, renumber=False)
        self.analysis: Counter = Counter()
        self.worker_notes: list[str] = []
        self.recipients: list = []  # numpy arrays of recipient hashes, one per chunk

    def run(self, progress: ProgressHook | None, expected: int | None) -> Report:
        global _JOB
        started = time.perf_counter()
        started_at = datetime.now(UTC).isoformat(timespec="seconds")
        scope = self.scanner.scope
        if progress is not None and hasattr(progress, "set_total"):
            progress_events.phase("reading the list")
            progress.set_total(expected)
        rows = iter(scope.recipient_list)
        _JOB = _Job(self.scanner, self.renderer)
        pool: ProcessPoolExecutor | None = None
        try:
            first = list(itertools.islice(rows, FIRST_CHUNK_ROWS))
            if first:
                partial = scan_chunk(0, first)
                if isinstance(partial, PartialScan):
                    partial.analysis = Counter()  # counted by this process's analyzer already
                self._add(RowRange(0, first[0].row, first[-1].row), partial, progress)
            chunks = row_partitions(rows, self.rows_per_chunk)
            # Everything built so far (the model, the index, the templates) is never collected: the workers'
            # collector then leaves those objects' pages alone, and they stay shared instead of being copied.
            gc.collect()
            gc.freeze()
            pool = _pool(self.workers)
            self._run_chunks(pool, chunks, len(first), progress)
            pool.shutdown(wait=True)
        except BaseException:
            if pool is not None:
                _stop(pool)
            raise
        finally:
            _JOB = None
            gc.unfreeze()
        return self._report(started, started_at)

    def _run_chunks(
        self, pool: ProcessPoolExecutor, chunks: Iterator[tuple[RowRange, list]], first_index: int, progress
    ) -> None:
        inflight: deque[tuple[RowRange, Future]] = deque()
        index = first_index
        window = 2 * self.workers + 2
        for what, rows in chunks:
            inflight.append((what, pool.submit(scan_chunk, index, rows)))
            index += len(rows)
            while len(inflight) >= window:
                self._collect(inflight, progress)
        while inflight:
            self._collect(inflight, progress)

    def _collect(self, inflight: deque[tuple[RowRange, Future]], progress: ProgressHook | None) -> None:
        """The oldest chunk's result, merged; a dead worker ends the run naming the rows it may have held."""
        what, future = inflight[0]
        try:
            partial = future.result()
        except BrokenProcessPool:
            held = RowRange(0, what.first_row, inflight[-1][0].last_row)
            raise InputError(
                f"a worker process died while scanning {held.describe()} of the recipient list (killed, out of "
                "memory, or crashed); nothing was reported: run again, or with DLP_WORKERS=0 in one process"
            ) from None
        inflight.popleft()
        self._add(what, partial, progress)

    def _add(self, what: RowRange, partial: PartialScan | TaskFailure, progress: ProgressHook | None) -> None:
        if isinstance(partial, TaskFailure):
            assert partial.input_error is not None
            message, path, line = partial.input_error
            raise InputError(message, path=path, line=line)
        self.recipients.append(partial.recipients)
        partial.recipients = set()
        self.merge.add(partial)
        self.analysis.update(partial.analysis)
        self.worker_notes.extend(n for n in partial.notes if n not in self.worker_notes)
        for fact in partial.facts:  # a fact only a worker needed: built here too, so its section is reported
            _ = self.scanner.scope.recipient_index if fact == "recipient-columns" else self.scanner.scope.list_pass
        progress_events.detail(f"scanning {what.describe()} on {self.workers} processes")
        if progress is not None:
            progress(self.merge.messages)

    def _report(self, started: float, started_at: str) -> Report:
        """The report `Scanner.scan` makes: every finish() here, the analysis notes over all processes."""
        scanner = self.scanner
        findings = self.merge.finish()
        stage = scanner.stage
        if stage is not None:
            analyzer = stage.analyzer
            for name, count in self.analysis.items():
                if name.startswith("fallback:"):
                    analyzer.fallback[name.partition(":")[2]] += count
                elif hasattr(analyzer, name):
                    setattr(analyzer, name, getattr(analyzer, name) + count)
            stage.messages = self.merge.messages
            detector = stage.detector
            if detector is not None and self.merge.no_ner:
                detector.no_ner_analyses.update(self.merge.no_ner)
            hits, misses = getattr(analyzer, "hits", 0), getattr(analyzer, "misses", 0)
            scanner.stats.update(cache_hits=hits, cache_misses=misses, workers=self.workers)
        notes = scanner.notes()
        notes += [n for n in self.worker_notes if n not in notes]
        seconds = time.perf_counter() - started
        recipients = len(np.unique(np.concatenate(self.recipients))) if self.recipients else 0
        return build_report(scanner.scope, findings, self.merge.messages, recipients, seconds, notes, started_at)


def _pool(workers: int) -> ProcessPoolExecutor:
    methods = multiprocessing.get_all_start_methods()
    if "fork" not in methods:  # the workers must inherit the job; without fork there is nothing to share
        raise InputError("parallel preflight needs the fork start method: set DLP_WORKERS=0 on this platform")
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_init,
        initargs=(os.getpid(), workers),
    )


def _stop(pool: ProcessPoolExecutor) -> None:
    """End the workers now: after an error or Ctrl-C, the chunks still queued are of no use to anyone."""
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.kill()
    for process in processes:
        process.join(timeout=5)
    # Its manager thread closes its wake-up pipe as it ends; ended before we exit, or the interpreter's exit
    # hook writes to that pipe mid-close and prints a traceback ("Bad file descriptor") after "interrupted".
    manager = getattr(pool, "_executor_manager_thread", None)
    if manager is not None:
        manager.join(timeout=5)
