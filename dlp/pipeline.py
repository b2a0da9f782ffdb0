"""The one scanning pipeline: messages -> checks -> findings -> policy -> Report.

Every entry point (preflight, audit, check, serve, the Python API) builds a `ScanContext` and a
message source and calls `Scanner.scan`; nothing else decides what is checked or how the verdict is made.

Speed at campaign scale (a million rendered messages) comes from three things, none of which changes a
finding: each distinct line-in-context is analysed once (`dlp.analysis.SegmentAnalyzer`); messages are
taken from the (streamed) source in chunks, the lines a chunk needs and nobody analysed yet are analysed
together (`nlp.pipe`), on worker processes when the campaign is big enough to repay their start-up
(`dlp.workers`); checks then run in this process, in message order, so stateful checks stay simple.
Only a chunk of messages is held at a time, so memory stays bounded whatever the list length.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field, replace

from dlp.analysis import SegmentAnalyzer, Unit, WholeAnalyzer
from dlp.budgets import int_limit
from dlp.checks import build_checks
from dlp.checks.base import Check, ScanContext
from dlp.checks.personal_data import EntityCheck
from dlp.detect.engine import get_detector
from dlp.model import Finding, Report, ScanMessage, UnreadableAttachment
from dlp.policy import apply_policy
from dlp.redact import fingerprint_key_warning
from dlp.rules import RuleSet
from dlp.textnorm import normalise

ProgressHook = Callable[[int], None]

STRAIGHTFORWARD_ENV = "DLP_STRAIGHTFORWARD"  # "1": every part analysed whole, no cache, no pool
WORKERS_ENV = "DLP_WORKERS"  # number of analysis worker processes; 0 = analyse in this process
CHUNK = 256  # messages rendered ahead of their checks
# Worker processes cost seconds to start (each loads spaCy); below this many missing lines in one scan a
# pool does not pay for itself, so small campaigns, `dlp check` and `dlp serve` never start one.
POOL_AFTER_MISSES = 400


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def default_workers() -> int:
    configured = os.environ.get(WORKERS_ENV, "").strip()
    if configured:
        try:
            return max(0, int(configured))
        except ValueError:
            return 0
    return os.cpu_count() or 1


@dataclass
class Scanner:
    """A configured set of checks over one context; `scan` may be called for many message streams."""

    ctx: ScanContext
    checks: list[Check]
    workers: int = 0
    straightforward: bool = False
    stats: dict[str, float] = field(default_factory=dict)

    @classmethod
    def create(
        cls,
        ruleset: RuleSet,
        ctx: ScanContext | None = None,
        only: set[str] | None = None,
        *,
        straightforward: bool | None = None,
        workers: int | None = None,
    ) -> Scanner:
        ctx = ctx or ScanContext(rules=ruleset)
        key_warning = fingerprint_key_warning()  # a bad key is exit 2 before any work, not mid-scan
        if key_warning and key_warning not in ctx.notes:
            ctx.notes.append(key_warning)
        checks = build_checks(ruleset, ctx, only)
        straightforward = _env_flag(STRAIGHTFORWARD_ENV) if straightforward is None else straightforward
        entity_types: set[str] = set()
        for check in checks:
            if isinstance(check, EntityCheck):
                entity_types |= check.entities
        if entity_types and ctx.analyze is None:
            detector = get_detector(extra_recognizers=ruleset.recognizers)
            if straightforward:
                ctx.analyze = WholeAnalyzer(detector, entity_types)
            else:
                ctx.analyze = SegmentAnalyzer(detector, entity_types)
        for check in checks:
            if isinstance(check, EntityCheck):
                check.begin_scan()  # before any batch analysis, so per-scan detector counters start here
        return cls(
            ctx=ctx,
            checks=checks,
            workers=0 if straightforward else (default_workers() if workers is None else workers),
            straightforward=straightforward,
        )

    def findings_for(self, message: ScanMessage) -> list[Finding]:
        out: list[Finding] = []
        for check in self.checks:
            out.extend(check.check_message(message))
        return out

    def finish(self) -> list[Finding]:
        out: list[Finding] = []
        for check in self.checks:
            out.extend(check.finish())
        return out

    def scan(self, messages: Iterable[ScanMessage], progress: ProgressHook | None = None) -> Report:
        started = time.perf_counter()
        findings: list[Finding] = []
        count = 0
        # Distinct recipients, counted by 64-bit hash: a million addresses as strings would be ~120 MB.
        recipients: set[int] = set()
        if progress is not None and hasattr(progress, "set_total"):
            progress.set_total(expected_messages(self.ctx))
        for message in self._prepared(map(prepare, messages)):
            count += 1
            if message.recipient is not None:
                recipients.add(hash(message.recipient.email.lower()))
            else:
                recipients.update(hash(a) for a in message.envelope_recipients)
            findings.extend(self.findings_for(message))
            if progress is not None:
                progress(count)
        findings.extend(self.finish())
        verdict, final = apply_policy(findings, self.ctx.rules)
        return Report(
            verdict=verdict,
            findings=final,
            messages=count,
            recipients=len(recipients),
            seconds=time.perf_counter() - started,
            source=self.ctx.source,
            notes=list(self.ctx.notes),
            sections=dict(self.ctx.sections),
            hints={f.rule: self.ctx.rules.rules[f.rule].remediation for f in final if f.rule in self.ctx.rules.rules},
        )

    # -- the fast path: analyse a chunk's missing lines together, ahead of its checks -------------------

    def _prepared(self, messages: Iterable[ScanMessage]) -> Iterator[ScanMessage]:
        """Messages in order, each with every line its checks will ask about already in the cache."""
        analyzer = self.ctx.analyze
        if not isinstance(analyzer, SegmentAnalyzer):
            yield from messages
            return
        pool = None
        misses = 0
        # Chunks in flight: (messages, windows being analysed by workers, their result handle).
        inflight: deque[tuple[list[ScanMessage], list[Unit], set, Future]] = deque()
        try:
            for chunk in _chunks(messages, CHUNK):
                # A window another chunk already sent to the workers is not sent again.
                in_flight = _InFlight(keys for _m, _u, keys, _h in inflight)
                pending = analyzer.missing(
                    (part.text for message in chunk for part in message.content_parts), pending=in_flight
                )
                misses += sum(len(unit.members) for unit in pending)
                if pool is None and self.workers > 1 and misses >= POOL_AFTER_MISSES:
                    from dlp.workers import AnalysisPool

                    pool = AnalysisPool(self.workers, self.ctx.rules.recognizers, analyzer.entities)
                if pool is None:
                    analyzer.fill(pending)
                    yield from chunk
                    continue
                keys = {member.key for unit in pending for member in unit.members}
                inflight.append((chunk, pending, keys, pool.submit(pending)))
                # Keep the workers busy while this process renders the next chunk and runs checks.
                while len(inflight) > self.workers:
                    yield from self._complete(inflight.popleft(), analyzer)
            while inflight:
                yield from self._complete(inflight.popleft(), analyzer)
        finally:
            if pool is not None:
                pool.close()
            self.stats.update(cache_hits=analyzer.hits, cache_misses=analyzer.misses, analysed=misses)

    @staticmethod
    def _complete(item, analyzer: SegmentAnalyzer) -> Iterator[ScanMessage]:
        chunk, pending, _keys, handle = item
        for unit, entities in zip(pending, handle.result(), strict=True):
            analyzer.store_unit(unit, entities)
        yield from chunk


def prepare(message: ScanMessage) -> ScanMessage:
    """A message as detection must see it: every part's text normalised (`dlp.textnorm`), and no more text
    than the per-message budget (DLP_MAX_MESSAGE_CHARS). Parts come in reading order (headers, bodies,
    attachments); text past the budget is cut off and reported as `unscanned-attachment` with its size,
    never dropped silently, so scanning cost per message is bounded whatever arrives."""
    budget = int_limit("DLP_MAX_MESSAGE_CHARS")
    used = 0
    parts = []
    for part in message.parts:
        text = normalise(part.text)
        room = budget - used
        if len(text) > room:
            if room <= 0:
                reason = f"not scanned: earlier parts used the message's {budget:,}-character scanning budget"
                message.unreadable.append(UnreadableAttachment(part.field, reason + " (DLP_MAX_MESSAGE_CHARS)"))
                continue
            message.unreadable.append(
                UnreadableAttachment(
                    part.field,
                    f"only the first {room:,} of {len(text):,} characters were scanned "
                    f"(message scanning budget DLP_MAX_MESSAGE_CHARS={budget:,})",
                )
            )
            text = text[:room]
        used += len(text)
        parts.append(part if text == part.text else replace(part, text=text))
    message.parts = parts
    return message


class _InFlight:
    """Membership over the key sets of the chunks whose windows are with the workers."""

    def __init__(self, key_sets: Iterable[set]) -> None:
        self.key_sets = list(key_sets)

    def __contains__(self, key: object) -> bool:
        return any(key in keys for keys in self.key_sets)


def expected_messages(ctx: ScanContext) -> int | None:
    """How many messages a campaign scan will produce, for the progress bar's ETA (an estimate: a CSV
    field with a line break in it counts twice). None when unknown (archives, single messages)."""
    campaign = ctx.campaign
    if campaign is not None and getattr(campaign.spec, "mode", None) == "broadcast":
        return 1
    recipient_list = ctx.recipient_list
    path = getattr(recipient_list, "path", None)
    if path is None:
        return None
    lines = 0
    last = b"\n"
    try:
        with open(path, "rb") as fh:
            while block := fh.read(1 << 20):
                lines += block.count(b"\n")
                last = block[-1:]
    except OSError:
        return None
    lines += last != b"\n"  # a last line without its newline
    header = 0 if getattr(recipient_list, "kind", "csv") == "jsonl" else 1
    return max(0, lines - header)


def _chunks(messages: Iterable[ScanMessage], size: int) -> Iterator[list[ScanMessage]]:
    chunk: list[ScanMessage] = []
    for message in messages:
        chunk.append(message)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
