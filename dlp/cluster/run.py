"""The client side of a cluster scan: connect, cut the work, submit it, fold the results in order.

Dask schedules, moves data and reruns a task whose worker died; dlp only partitions the work and merges
it. A partition's task that fails (an exception comes back as a `TaskFailure`; a task whose workers kept
dying comes back as Dask's `KilledWorker`) is resubmitted up to `attempts` times; one that keeps failing
is reported as an `unscanned-partition` finding at block, naming the rows or files it held, so nothing is
dropped silently. Every start of a partition is logged as a scheduler event carrying only its number,
so the report can say how many reruns there were, whoever caused them.

Partitions are submitted a window ahead of the oldest one not yet merged, so the client holds at most a
window of rows and results whatever the size of the list or archive.
"""

from __future__ import annotations

import asyncio
import math
import os
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from dlp.checks import compile_rules
from dlp.checks.rules.bulk_personal_data import BulkPersonalData
from dlp.checks.rules.cross_recipient_leak import CrossRecipientLeak
from dlp.checks.rules.pii_in_link import PiiInLink
from dlp.checks.scope import ScanScope
from dlp.cluster.merge import Merge
from dlp.cluster.plan import MboxRange, env_number, plan_archive, rows_per_partition
from dlp.cluster.plan import row_partitions as _row_partitions
from dlp.cluster.tasks import (
    EVENT_TOPIC,
    Job,
    PartialScan,
    Sealed,
    TaskFailure,
    count_range,
    run_archive_part,
    run_preflight_rows,
)
from dlp.errors import InputError
from dlp.model import Finding, Location, Report, Severity
from dlp.pipeline import ProgressHook, build_report, expected_messages
from dlp.redact import current_key, fingerprint, fingerprint_key_warning, scrub_text
from dlp.sources.archive import check_paths
from dlp.sources.limits import Limits

SCHEDULER_ENV = "DLP_SCHEDULER"
ATTEMPTS = 3  # submissions of one partition before it is listed as not scanned (Dask reruns dead workers' too)
CONNECT_ENV = "DLP_CLUSTER_CONNECT_SECONDS"  # how long to try the scheduler, and to wait for a first worker
UNSCANNED_RULE = "unscanned-partition"
# Run settings a worker must share with the client; the key travels apart (see Job.key), the rest are ours.
NOT_SHIPPED = frozenset({"DLP_FINGERPRINT_KEY", "DLP_FINGERPRINT_KEY_FILE", SCHEDULER_ENV, "DLP_WORKERS"})


@dataclass
class Failed:
    number: int
    what: str
    reason: str
    attempts: int


@dataclass
class RunBooks:
    """What the run cost and how it went, for the report's notes and its `cluster` section."""

    scheduler: str
    workers: int = 0
    threads: int = 0
    partitions: int = 0
    retries: int = 0
    failed: list[Failed] = field(default_factory=list)
    worker_seconds: float = 0.0
    seconds: float = 0.0

    def note(self) -> str:
        failed = f", {len(self.failed)} not scanned (listed)" if self.failed else ""
        return (
            f"Scanned on the Dask cluster at {self.scheduler}: {self.workers} workers ({self.threads} threads), "
            f"{self.partitions} partitions, {self.retries} retried{failed}"
        )

    def section(self) -> dict[str, Any]:
        overhead = (self.seconds * max(self.threads, 1) - self.worker_seconds) / max(self.partitions, 1)
        rows: list[list[Any]] = [
            ["scheduler", self.scheduler],
            ["workers", self.workers],
            ["worker threads", self.threads],
            ["partitions", self.partitions],
            ["partition reruns", self.retries],
            ["partitions not scanned", len(self.failed)],
            ["seconds on the cluster", round(self.seconds, 2)],
            ["seconds of partition work", round(self.worker_seconds, 2)],
            ["idle or overhead per partition (s)", round(max(overhead, 0.0), 3)],
        ]
        rows += [[f"not scanned: partition {f.number}", f"{f.what}: {f.reason}"] for f in self.failed]
        return {
            "title": "Cluster",
            "columns": ["item", "value"],
            "rows": rows,
            "scheduler": self.scheduler,
            "workers": self.workers,
            "partitions": self.partitions,
            "retries": self.retries,
            "failed": [{"partition": f.number, "what": f.what, "reason": f.reason} for f in self.failed],
        }


def shipped_settings() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k.startswith("DLP_") and k not in NOT_SHIPPED}


def connect(address: str) -> Any:
    """A Dask client for `address`, with workers that run this dlp; exit 2 with the reason otherwise."""
    from distributed import Client

    seconds = env_number(CONNECT_ENV, 30)
    try:
        client = Client(address, timeout=seconds, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(f"cannot reach the Dask scheduler at {address} within {seconds:g} s: {exc}") from None
    try:
        client.wait_for_workers(1, timeout=seconds)
    except (TimeoutError, OSError):
        client.close()
        raise InputError(f"the Dask scheduler at {address} has no workers (waited {seconds:g} s)") from None
    try:
        builds = client.run(dlp_build)
    except Exception as exc:
        client.close()
        raise InputError(
            f"the workers of {address} cannot run dlp ({type(exc).__name__}: {exc}); install dlp and its spaCy "
            "model on every worker (docs/cluster.md)"
        ) from None
    mine = dlp_build()
    wrong = sorted(worker for worker, build in builds.items() if build != mine)
    if wrong:
        client.close()
        raise InputError(
            f"worker(s) {', '.join(wrong)} run another dlp than this one ({mine}; they run "
            f"{builds[wrong[0]]}): install the same dlp on every machine"
        )
    return client


_BUILD: list[str] = []


def dlp_build() -> str:
    """dlp's version and a digest of its code: a worker running other code (an older install, a file
    edited since the worker started) could merge into a wrong report, so it is refused."""
    if not _BUILD:
        import hashlib
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("dlp")
        except PackageNotFoundError:
            number = "unknown"
        root = Path(__file__).resolve().parent.parent  # the dlp package
        digest = hashlib.blake2b(digest_size=8)
        for path in sorted(root.rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
        _BUILD.append(f"{number}+{digest.hexdigest()}")
    return _BUILD[0]


class Runner:
    """Submits partitions a window ahead, resubmits failures, yields results in partition order."""

    def __init__(self, client: Any, job: Job, task: Callable, progress: ProgressHook | None, books: RunBooks) -> None:
        self.client = client
        self.job = job
        self.task = task
        self.progress = progress
        self.books = books
        self.job_future = client.scatter(Sealed(job), broadcast=True, hash=False)
        info = client.scheduler_info()
        books.workers = len(info.get("workers", {}))
        books.threads = sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()) or 1
        self.window = 2 * books.threads + 2
        self.done = 0

    def _submit(self, number: int, payload: Any, extra: tuple, attempt: int) -> Any:
        return self.client.submit(
            self.task,
            self.job_future,
            Sealed(payload),
            number,
            *extra,
            key=f"dlp-{self.job.run_id}-{number}-{attempt}",
            pure=False,
            retries=0,
        )

    def run(self, parts: Iterable[tuple[int, str, Any, tuple]]) -> Iterator[tuple[int, str, PartialScan | None]]:
        """(number, what, payload, extra args) in order -> (number, what, partial scan or None if failed)."""
        try:
            yield from self._run(parts)
        except OSError as exc:  # CommClosedError included: the scheduler went away mid-run
            raise InputError(
                f"lost the Dask scheduler at {self.books.scheduler} mid-run ({type(exc).__name__}: {exc}); "
                "nothing was reported: run again"
            ) from None

    def _run(self, parts: Iterable[tuple[int, str, Any, tuple]]) -> Iterator[tuple[int, str, PartialScan | None]]:
        from distributed import as_completed

        parts = iter(parts)
        pending: dict[Any, tuple[int, str, Any, tuple, int]] = {}
        ready: dict[int, tuple[str, PartialScan | None]] = {}
        queue = as_completed(loop=self.client.loop)
        next_out = 0
        highest = -1
        exhausted = False

        def fill() -> None:
            nonlocal highest, exhausted
            while not exhausted and highest - next_out < self.window:
                try:
                    number, what, payload, extra = next(parts)
                except StopIteration:
                    exhausted = True
                    return
                highest = number
                self.books.partitions += 1
                future = self._submit(number, payload, extra, 0)
                pending[future] = (number, what, payload, extra, 0)
                queue.add(future)

        fill()
        while pending:
            future = next(queue)
            number, what, payload, extra, attempt = pending.pop(future)
            result = _outcome(future)
            if isinstance(result, TaskFailure):
                if result.input_error is not None:
                    self.client.cancel(list(pending))
                    message, path, line = result.input_error
                    raise InputError(message, path=path, line=line)
                if attempt + 1 < ATTEMPTS:
                    again = self._submit(number, payload, extra, attempt + 1)
                    pending[again] = (number, what, payload, extra, attempt + 1)
                    queue.add(again)
                    continue
                self.books.failed.append(Failed(number, what, result.reason, attempt + 1))
                ready[number] = (what, None)
            else:
                ready[number] = (what, result)
            self.done += 1
            if self.progress is not None:
                self.progress(self.done)
            while next_out in ready:
                what_out, partial = ready.pop(next_out)
                yield next_out, what_out, partial
                next_out += 1
            fill()
        self.books.failed.sort(key=lambda f: f.number)
        self.books.retries = self._reruns()

    def _reruns(self) -> int:
        try:
            events = self.client.get_events(EVENT_TOPIC)
        except Exception:
            return 0
        starts = Counter(msg.get("partition") for _t, msg in events if msg.get("run") == self.job.run_id)
        return sum(n - 1 for n in starts.values() if n > 1)


def _outcome(future: Any) -> PartialScan | TaskFailure:
    try:
        if future.status == "finished":
            payload = future.result().payload
            return payload
        exc = future.exception()
    except (Exception, asyncio.CancelledError) as error:  # the result was lost on the way, or cancelled
        exc = error
    finally:
        future.release()
    return TaskFailure(f"{type(exc).__name__}: {scrub_text(str(exc))}"[:300])


def _unscanned(failed: Failed, source: str) -> Finding:
    return Finding(
        rule=UNSCANNED_RULE,
        severity=Severity.BLOCK,
        message=f"partition {failed.number} ({failed.what}) was not scanned: it failed {failed.attempts} times "
        f"on the cluster (last: {failed.reason}); scan it again before relying on this report",
        location=Location(source=source or None, part=f"partition {failed.number}"),
        fingerprint=fingerprint(UNSCANNED_RULE, failed.what, "cluster"),
        count=1,
    )


def _progress_in_partitions(progress: ProgressHook | None, total: int | None) -> None:
    if progress is None:
        return
    if hasattr(progress, "set_unit"):
        progress.set_unit("partitions")
    if hasattr(progress, "set_total"):
        progress.set_total(total)


def _finish(scope: ScanScope, merge: Merge, books: RunBooks, started: float, key_warning: str | None) -> Report:
    if books.failed and len(books.failed) == books.partitions:
        reasons = "; ".join(f"{f.what}: {f.reason}" for f in books.failed[:3])
        raise InputError(f"no partition could be scanned on the cluster at {books.scheduler} ({reasons})")
    books.seconds = time.perf_counter() - started
    books.worker_seconds = merge.seconds
    findings = merge.finish()
    findings.extend(_unscanned(f, scope.source) for f in books.failed)
    notes: list[str] = []
    for note in [*scope.notes, key_warning, *scope.domain_notes(), *merge.notes(), books.note()]:
        if note and note not in notes:
            notes.append(note)  # in the order `Scanner.notes` gives them, then the cluster's
    report = build_report(scope, findings, merge.messages, len(merge.recipients), books.seconds, notes)
    report.sections["cluster"] = books.section()
    return report


def _job(scope: ScanScope, **more: Any) -> Job:
    return Job(
        run_id=uuid.uuid4().hex[:12],
        ruleset=scope.rules,
        source=scope.source,
        sender_domains=set(scope.sender_domains),
        key=current_key(),
        settings=shipped_settings(),
        **more,
    )


def _client_checks(scope: ScanScope) -> tuple[ScanScope, list, str | None]:
    """The checks one machine would build (same rules, same order), to finish the scan here, and the
    scope as `Scanner.create` completes it (the compiled rules, which the list pass reads)."""
    key_warning = fingerprint_key_warning()  # a bad key is exit 2 before any work, as on one machine
    compiled = compile_rules(scope.rules)
    scope = replace(scope, compiled=compiled)
    return scope, compiled.checks(scope), key_warning


def preflight_on_cluster(scheduler: str, scope: ScanScope, renderer: Any, progress: ProgressHook | None) -> Report:
    """A campaign's rows scanned on the cluster; the same report as `Scanner.scan` on this machine."""
    campaign = scope.campaign
    if campaign.spec.mode == "broadcast":
        from dlp.pipeline import Scanner
        from dlp.render import render_campaign

        report = Scanner.create(scope.rules, scope).scan(render_campaign(campaign, renderer), progress)
        report.notes.append("broadcast campaign: its one message was scanned on this machine, not on the cluster")
        return report
    started = time.perf_counter()
    scope, checks, key_warning = _client_checks(scope)
    merge = Merge(checks, renumber=False)
    client = connect(scheduler)
    try:
        index = None
        if any(isinstance(c, CrossRecipientLeak | BulkPersonalData | PiiInLink) for c in checks):
            index = _portable_index(scope)  # built once here, shipped to every worker
        recipient_list = scope.recipient_list
        books = RunBooks(scheduler)
        job = _job(
            scope,
            campaign=campaign,
            list_path=recipient_list.path,
            list_kind=recipient_list.kind,
            schema=recipient_list.schema,
            index=index,
        )
        runner = Runner(client, job, run_preflight_rows, progress, books)
        expected = expected_messages(scope)
        rows = rows_per_partition(expected, books.threads)
        _progress_in_partitions(progress, math.ceil(expected / rows) if expected else None)
        parts = ((r.number, r.describe(), batch, ()) for r, batch in _row_partitions(recipient_list, rows))
        for _number, _what, partial in runner.run(parts):
            if partial is not None:
                merge.add(partial)
    finally:
        client.close()
    return _finish(scope, merge, books, started, key_warning)


def _portable_index(scope: ScanScope) -> Any:
    """The list's value index as one machine builds it, but hashed alike in every process, made this
    scan's index (its report section included)."""
    from dlp.valueindex import build_index, index_settings, presidio_columns

    rule = scope.rules.rules.get("cross-recipient-leak")
    settings = index_settings(rule.parameters if rule is not None else {}, portable=True)
    index = build_index(scope.recipient_list, settings, presidio_columns(scope.rules.recognizers))
    scope.use_recipient_index(index)
    return index


def audit_on_cluster(
    scheduler: str,
    paths: Sequence[str | Path],
    scope: ScanScope,
    progress: ProgressHook | None,
    *,
    books: type,
    scanner: type,
    messages: Callable,
) -> tuple[Report, Any]:
    """An archive scanned on the cluster: the report and the merged audit books. The audit driver hands
    down its books, scanner and message reader (`dlp.audit`), which the workers run as one machine does."""
    started = time.perf_counter()
    scope, checks, key_warning = _client_checks(scope)
    limits = Limits.from_env()
    check_paths(paths)  # a typo is exit 2 before any connection
    merge = Merge(checks, renumber=True)
    run_books = RunBooks(scheduler)
    audit_books = books()
    job = _job(scope, limits=limits, books_class=books, scanner_class=scanner, messages_from=messages)
    client = connect(scheduler)
    try:
        runner = Runner(client, job, run_archive_part, progress, run_books)
        partitions = plan_archive(paths, limits, run_books.threads)
        _progress_in_partitions(progress, len(partitions))
        counts = _range_counts(client, runner.job_future, partitions)
        parts = ((p.number, p.describe(), p, (_prior(p, counts),)) for p in partitions)
        for _number, _what, partial in runner.run(parts):
            if partial is not None:
                merge.add(partial)
                audit_books.merge(partial.books)
    finally:
        client.close()
    return _finish(scope, merge, run_books, started, key_warning), audit_books


def _range_counts(client: Any, job_future: Any, partitions: list) -> dict[tuple[str, int], Any]:
    """A count of the messages in every mbox range that has a range after it (cheap: split, no parsing)."""
    last: dict[str, int] = {}
    for partition in partitions:
        for entry in partition.entries:
            if isinstance(entry, MboxRange):
                last[entry.path] = max(last.get(entry.path, 0), entry.part)
    counts = {}
    for partition in partitions:
        for entry in partition.entries:
            if isinstance(entry, MboxRange) and entry.part < last[entry.path]:
                counts[(entry.path, entry.part)] = client.submit(
                    count_range, job_future, entry, key=f"dlp-count-{uuid.uuid4().hex[:12]}", retries=2
                )
    return counts


def _prior(partition: Any, counts: dict[tuple[str, int], Any]) -> list:
    for entry in partition.entries:
        if isinstance(entry, MboxRange):
            return [counts[(entry.path, p)] for p in range(entry.part)]
    return []
