"""What runs on a Dask worker: one partition in, its partial scan out.

A worker gets the rules, the run's settings and its partition's data (rows, or the files and byte ranges
of an archive), plus, for a campaign, the value index the client built once from the whole list. It runs
the one pipeline's per-message work (render, analyse, checks) and hands back everything the client needs
to finish the scan as one pass would: the per-message findings in order, and the state of the checks
that look across messages (values held back until the end, archive sightings, the audit's books).

Nothing here raises into Dask: an exception in a task would be logged by Dask with its arguments, which
carry personal data. A failure comes back as a `TaskFailure` with a scrubbed reason, and every payload
travels inside `Sealed`, whose repr shows nothing.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dlp.checks.entity import EntityCheck
from dlp.checks.rules.shared_address import SharedAddress, Sighting
from dlp.checks.scope import ScanScope
from dlp.cluster.plan import ArchivePartition, FileUnit, MboxRange
from dlp.errors import InputError
from dlp.model import Finding, Recipient, ScanMessage
from dlp.redact import scrub_text, stable_hash, use_key
from dlp.rules import RuleSet
from dlp.sources.item import ArchiveItem
from dlp.sources.limits import PIECE, Limits
from dlp.sources.mbox import split_mbox
from dlp.sources.stream import OverBudget, StreamProblem, lines, plain

EVENT_TOPIC = "dlp-partition-start"


class Sealed:
    """A payload whose repr shows nothing: Dask may log task arguments and results, and these carry values."""

    __slots__ = ("payload",)

    def __init__(self, payload: Any) -> None:
        self.payload = payload

    def __repr__(self) -> str:
        return "<dlp sealed payload>"

    def __getstate__(self) -> Any:
        return (self.payload,)  # a tuple: pickle skips __setstate__ for a falsy state such as None

    def __setstate__(self, state: Any) -> None:
        (self.payload,) = state


@dataclass
class Job:
    """What every partition of one run shares (scattered once to every worker)."""

    run_id: str
    ruleset: RuleSet
    source: str
    sender_domains: set[str]
    key: bytes  # the fingerprint key: fingerprints must match the client's
    settings: dict[str, str]  # the client's DLP_* budgets, so a worker reads and scans within the same limits
    campaign: Any = None  # preflight: dlp.campaign.Campaign (templates read from its folder)
    list_path: Path | None = None
    list_kind: str = "csv"
    schema: Any = None
    index: Any = None  # dlp.valueindex.ValueIndex, built once by the client, or None when no check needs it
    limits: Limits | None = None  # audit: reading budgets
    # audit: the driver's books, scanner and message reader (dlp.audit), passed down by reference
    books_class: Any = None
    scanner_class: Any = None
    messages_from: Any = None


@dataclass
class TaskFailure:
    reason: str
    input_error: tuple[str, str | None, int | None] | None = None  # (message, path, line): exit 2, no retry


@dataclass
class PartialScan:
    """One partition's share of a scan, in message order."""

    findings: list[Finding] = field(default_factory=list)
    messages: int = 0
    recipients: set[int] = field(default_factory=set)
    held: dict[int, tuple[list[Finding], Counter, int]] = field(default_factory=dict)  # check position -> state
    sightings: list[Sighting] = field(default_factory=list)
    no_ner: Counter = field(default_factory=Counter)
    books: Any = None  # dlp.audit.AuditBooks for an audit partition
    seconds: float = 0.0
    # Filled by `dlp.parallel` (forked workers of one machine): the analyzer's counters for the report's
    # notes, the checks' own notes, and the scope's lazy facts the partition had to build.
    analysis: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)


class ShippedList:
    """Stands in for the recipient list on a worker: its schema and path, never its rows. The value index
    is the client's, handed to the scope; anything that tries to read the whole list fails loudly rather
    than scanning a partition as if it were the list."""

    def __init__(self, path: Path | None, kind: str, schema: Any) -> None:
        self.path, self.kind, self.schema = path, kind, schema

    def __iter__(self) -> Iterator[Recipient]:
        raise RuntimeError("the whole recipient list is not on this worker")


@dataclass
class _WorkerState:
    run_id: str
    compiled: Any = None  # dlp.checks.CompiledRules
    analyzer: Any = None  # the detector and its line cache, kept across partitions
    renderer: Any = None
    shipped: ShippedList | None = None


_LOCAL = threading.local()


def _state(job: Job) -> _WorkerState:
    """Per worker thread and run: the analysis cache and compiled templates outlive one partition."""
    state = getattr(_LOCAL, "state", None)
    if state is None or state.run_id != job.run_id:
        os.environ.update(job.settings)
        use_key(job.key)
        state = _LOCAL.state = _WorkerState(job.run_id)
    return state


def _announce(run_id: str, partition: int) -> None:
    """Every start of a partition is an event on the scheduler: starts beyond one per partition are retries
    (a task rerun after its worker died, or resubmitted by the client). Only the number travels."""
    try:
        from distributed import get_worker

        worker = get_worker()
        worker.log_event(EVENT_TOPIC, {"run": run_id, "partition": partition, "worker": worker.address})
    except Exception:  # outside a worker (a task called directly) there is nobody to tell
        return


def guarded(run: Any) -> Any:
    """Run one partition; any failure comes back as a TaskFailure, scrubbed of values."""

    def task(job_sealed: Sealed, part_sealed: Sealed, number: int, *extra: Any) -> Sealed:
        job: Job = job_sealed.payload
        _announce(job.run_id, number)
        started = time.perf_counter()
        try:
            result = run(job, part_sealed.payload, *extra)
        except InputError as exc:
            return Sealed(TaskFailure(str(exc), (exc.detail, exc.path, exc.line)))
        except Exception as exc:  # the client retries, then lists the partition as not scanned
            return Sealed(TaskFailure(f"{type(exc).__name__}: {scrub_text(str(exc))}"[:300]))
        result.seconds = time.perf_counter() - started
        return Sealed(result)

    # Named as the module attribute it is bound to, so Dask pickles it by reference, not by value.
    task.__name__ = task.__qualname__ = f"run_{run.__name__}"
    task.__module__ = run.__module__
    return task


def _scanner(job: Job, scope: ScanScope, state: _WorkerState, scanner_class: Any) -> Any:
    from dlp.checks import compile_rules

    if state.compiled is None:
        state.compiled = compile_rules(job.ruleset)
    # No process pool inside a Dask worker: the cluster is the parallelism.
    scanner = scanner_class.create(job.ruleset, scope, workers=0, analyzer=state.analyzer, compiled=state.compiled)
    if scanner.stage is not None:
        state.analyzer = scanner.stage.analyzer
    return scanner


def _scan(scanner: Any, messages: Iterable[ScanMessage], result: PartialScan, *, own_recipients: bool) -> None:
    """The pipeline's per-message loop (`Scanner.scan` without finish and policy), keeping the state of
    the cross-message checks for the client instead of finishing them here."""
    detector = scanner.stage.detector if scanner.stage is not None else None
    no_ner_before = Counter(getattr(detector, "no_ner_analyses", {}))
    for check in scanner.checks:
        if isinstance(check, SharedAddress):
            check.record = result.sightings.append  # type: ignore[method-assign]
    for analyzed in scanner.analyzed(messages):
        message = analyzed.message
        result.messages += 1
        if own_recipients:
            if message.recipient is not None:
                result.recipients.add(stable_hash(message.recipient.email.lower()))
            else:
                result.recipients.update(stable_hash(a) for a in message.envelope_recipients)
        result.findings.extend(scanner.findings_for(analyzed))
    for position, check in enumerate(scanner.checks):
        if isinstance(check, EntityCheck):
            result.held[position] = (list(check._held), Counter(check._messages_with), check._messages_seen)
    result.no_ner = Counter(getattr(detector, "no_ner_analyses", {})) - no_ner_before


def preflight_rows(job: Job, rows: list[Recipient]) -> PartialScan:
    from dlp.pipeline import Scanner
    from dlp.render import CampaignRenderer

    state = _state(job)
    if state.renderer is None:
        state.renderer = CampaignRenderer(job.campaign)
        state.shipped = ShippedList(job.list_path, job.list_kind, job.schema)
    renderer = state.renderer
    scope = ScanScope(
        rules=job.ruleset,
        source=job.source,
        sender_domains=frozenset(job.sender_domains),
        template_sources=renderer.sources,
        recipient_list=state.shipped,
        campaign=job.campaign,
    )
    if job.index is not None:
        scope.use_recipient_index(job.index)
    result = PartialScan()
    messages = (renderer.render(r.row - 1, dict(r.columns), r) for r in rows)
    _scan(_scanner(job, scope, state, Scanner), messages, result, own_recipients=True)
    return result


def archive_part(job: Job, partition: ArchivePartition, prior_counts: Iterable[int] = ()) -> PartialScan:
    """`prior_counts`: messages in the ranges of the same mbox before this partition's range."""
    state = _state(job)
    scope = ScanScope(rules=job.ruleset, source=job.source, sender_domains=frozenset(job.sender_domains))
    scanner = _scanner(job, scope, state, job.scanner_class)
    books = scanner.books = job.books_class()
    result = PartialScan(books=books)
    limits = job.limits or Limits.from_env()
    items = _items(partition, limits, sum(prior_counts))
    _scan(scanner, job.messages_from(items, books), result, own_recipients=False)
    result.recipients = books.recipients
    return result


def _items(partition: ArchivePartition, limits: Limits, first_number: int) -> Iterator[ArchiveItem]:
    """The partition's entries as the items one pass over the archive yields for them, in order."""
    from dlp.sources.archive import _Walker

    walker = _Walker(limits)
    for entry in partition.entries:
        if isinstance(entry, ArchiveItem):
            yield entry
        elif isinstance(entry, FileUnit):
            yield from walker.file(Path(entry.path), entry.named)
        elif isinstance(entry, MboxRange):
            yield from read_range(entry, limits, first_number)


def read_range(entry: MboxRange, limits: Limits, first_number: int) -> Iterator[ArchiveItem]:
    """The messages of a byte range of a plain mbox, numbered on from `first_number` (see `plan.mbox_cuts`)."""
    try:
        with open(entry.path, "rb") as fh:
            fh.seek(entry.start)
            remaining = entry.end - entry.start

            def read(size: int) -> bytes:
                nonlocal remaining
                data = fh.read(min(size, remaining))
                remaining -= len(data)
                return data

            try:
                yield from split_mbox(lines(plain(read(PIECE), read)), entry.path, limits, entry.strict, first_number)
            except OverBudget as exc:
                yield ArchiveItem(entry.path, 1, reason=f"{exc}; not scanned")
            except StreamProblem as exc:
                yield ArchiveItem(entry.path, 1, reason=f"cut off: {exc}")
    except OSError as exc:
        yield ArchiveItem(entry.path, 0, reason=f"could not read: {exc.strerror or exc}", damaged=True)


def count_range(job_sealed: Sealed, entry: MboxRange) -> int:
    """How many messages one pass finds in a range (the numbering offset of the ranges after it)."""
    job: Job = job_sealed.payload
    limits = job.limits or Limits.from_env()
    last = 0
    try:
        for item in read_range(entry, limits, 0):
            last = max(last, item.number)
    except Exception:  # a range that cannot be counted cannot be read either: its scan names the problem
        return 0
    return last


run_preflight_rows = guarded(preflight_rows)
run_archive_part = guarded(archive_part)
