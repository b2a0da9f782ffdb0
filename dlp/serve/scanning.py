"""Scanning off the event loop: one MessageScanner per worker, loaded once when the server starts.

Scanning is CPU-bound (spaCy), so it never runs on the event loop: by default one scanner thread (the
detector is serialised by its own lock anyway) keeps the SMTP side answering while a message is scanned;
`--workers N` runs N processes, each with its own model, to use N cores. Only small picklable
`ScanOutcome`s cross the boundary, never the report with its raw values.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dlp.model import Report, Severity
from dlp.sources.email_message import parse_bytes

REASON_LIMIT = 160

_SCANNER = None  # the worker's MessageScanner (per process or, for the thread pool, per server)


@dataclass(frozen=True)
class ScanOutcome:
    verdict: str  # pass | warn | block
    rules: tuple[str, ...]  # every rule that fired
    block_rules: tuple[str, ...]
    counts: dict[str, int]
    reason: str  # one redacted sentence for the 550 reply (finding messages never hold raw values)
    seconds: float


def outcome_of(report: Report, seconds: float) -> ScanOutcome:
    blocking = [f for f in report.findings if f.severity == Severity.BLOCK]
    reason = " ".join(blocking[0].message.split()) if blocking else ""
    if len(reason) > REASON_LIMIT:
        reason = reason[: REASON_LIMIT - 1].rstrip() + "…"
    return ScanOutcome(
        verdict=report.verdict.value,
        rules=tuple(report.rule_ids),
        block_rules=tuple(sorted({f.rule for f in blocking})),
        counts=report.counts(),
        reason=reason,
        seconds=seconds,
    )


def init_worker(rules: Sequence[Path], internal_domains: Sequence[str]) -> None:
    """Build the worker's scanner (reads rules, loads spaCy): once, before the first message."""
    global _SCANNER
    from dlp.api import MessageScanner

    _SCANNER = MessageScanner(list(rules), internal_domains)


def ready() -> bool:
    return _SCANNER is not None


def scan_bytes(data: bytes, envelope_from: str, envelope_to: Sequence[str]) -> ScanOutcome:
    if _SCANNER is None:
        raise RuntimeError("scanner worker was not initialised")
    started = time.perf_counter()
    report = _SCANNER.scan(parse_bytes(data), envelope_from=envelope_from, envelope_to=list(envelope_to))
    return outcome_of(report, time.perf_counter() - started)


def start_pool(workers: int, rules: Sequence[Path], internal_domains: Sequence[str]) -> concurrent.futures.Executor:
    """An executor whose workers already hold a loaded scanner (errors in the rules surface here)."""
    if workers <= 1:
        init_worker(rules, internal_domains)
        return concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="dlp-scan")
    # The parent validates the rules first so a bad rules file is exit 2 here, not a dead worker later.
    from dlp.rules import load_ruleset

    load_ruleset([Path(r) for r in rules])
    pool = concurrent.futures.ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=init_worker,
        initargs=(list(rules), list(internal_domains)),
    )
    # Start every worker now (each loads spaCy), so the first messages are not the ones that wait.
    for future in [pool.submit(ready) for _ in range(workers)]:
        future.result()
    return pool
