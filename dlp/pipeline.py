"""The one scanning pipeline: source -> prepare -> analyze -> checks -> policy -> Report.

Every entry point (preflight, audit, check, serve, the Python API) builds a frozen `ScanScope` and a
message source and calls `Scanner.scan`; nothing else decides what is checked or how the verdict is made.
Each message is prepared (normalised text within the scanning budget), analysed once by the analysis
stage (`dlp.analysis.AnalysisStage`, only when an enabled check needs entities) and handed to every
check as an `AnalyzedMessage`; checks run in this process, in message order, so stateful checks stay
simple. Findings, the scope's notes and the sections of the facts it built make the report.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from dlp import progress_events
from dlp.analysis import AnalysisStage, AnalyzedMessage, SegmentAnalyzer, WholeAnalyzer
from dlp.analysis.provenance import ProvenanceAnalyzer
from dlp.analysis.stage import unanalysed
from dlp.budgets import int_limit
from dlp.checks import CompiledRules, compile_rules
from dlp.checks.base import Check
from dlp.checks.scope import ScanScope
from dlp.detect.engine import get_detector
from dlp.model import Finding, Report, ScanMessage, UnreadableAttachment
from dlp.policy import kept_findings, merged
from dlp.problems import group
from dlp.redact import fingerprint_key_warning, portable_key_note
from dlp.rules import RuleSet
from dlp.textnorm import normalise
from dlp.valueindex import column_shapes

ProgressHook = Callable[[int], None]
Analyzer = SegmentAnalyzer | WholeAnalyzer

STRAIGHTFORWARD_ENV = "DLP_STRAIGHTFORWARD"  # "1": every part analysed whole, no cache, no pool
WORKERS_ENV = "DLP_WORKERS"  # number of analysis worker processes; 0 = analyse in this process


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


def needed_entities(checks: Iterable[Check]) -> frozenset[str]:
    """The entity types the enabled checks declare: the analysis stage finds exactly these."""
    out: frozenset[str] = frozenset()
    for check in checks:
        out |= check.entities_needed()
    return out


def build_analyzer(ruleset: RuleSet, entities: Iterable[str], *, straightforward: bool = False) -> Analyzer:
    """The detector (loads spaCy once per process) behind the segment cache, or the whole-part reference."""
    detector = get_detector(extra_recognizers=ruleset.recognizers)
    return WholeAnalyzer(detector, entities) if straightforward else ProvenanceAnalyzer(detector, entities)


@dataclass
class Scanner:
    """A configured set of checks over one scope; `scan` may be called for many message streams."""

    scope: ScanScope
    checks: list[Check]
    stage: AnalysisStage | None = None
    key_warning: str | None = None
    straightforward: bool = False
    stats: dict[str, float] = field(default_factory=dict)

    @classmethod
    def create(
        cls,
        ruleset: RuleSet,
        scope: ScanScope | None = None,
        only: set[str] | None = None,
        *,
        straightforward: bool | None = None,
        workers: int | None = None,
        analyzer: Analyzer | None = None,
        compiled: CompiledRules | None = None,
    ) -> Scanner:
        """`compiled` and `analyzer`: the rule set's matchers and the detector with its cache, to reuse
        across many scans (single messages: serve, the API); built here when not given."""
        compiled = compiled or compile_rules(ruleset)
        scope = replace(scope or ScanScope(rules=ruleset), compiled=compiled)
        # A bad key is exit 2 before any work, not mid-scan.
        key_warning = fingerprint_key_warning(ruleset.fingerprint_key_file)
        checks = compiled.checks(scope, only)
        straightforward = _env_flag(STRAIGHTFORWARD_ENV) if straightforward is None else straightforward
        entities = needed_entities(checks)
        stage = None
        if entities:
            if analyzer is None:
                progress_events.phase("loading the model")
                analyzer = build_analyzer(ruleset, entities, straightforward=straightforward)
            workers = 0 if straightforward else (default_workers() if workers is None else workers)
            if isinstance(analyzer, ProvenanceAnalyzer):  # the column pass of this scan's recipient list
                analyzer.begin(lambda: column_shapes(scope))
            stage = AnalysisStage(analyzer, workers=workers, recognizers=ruleset.recognizers)
            stage.campaign = scope.campaign is not None
        return cls(scope=scope, checks=checks, stage=stage, key_warning=key_warning, straightforward=straightforward)

    def findings_for(self, analyzed: AnalyzedMessage) -> list[Finding]:
        out: list[Finding] = []
        for check in self.checks:
            out.extend(check.check(analyzed))
        return out

    def finish(self) -> list[Finding]:
        out: list[Finding] = []
        for check in self.checks:
            out.extend(check.finish())
        return out

    def analyzed(self, messages: Iterable[ScanMessage]) -> Iterator[AnalyzedMessage]:
        """The analysis stage over prepared messages (or the messages as they are, when nothing needs it)."""
        prepared = map(prepare, messages)
        if self.stage is None:
            return map(unanalysed, prepared)
        return self.stage.run(prepared)

    def notes(self) -> list[str]:
        out = list(self.scope.notes)
        check_notes = [note for check in self.checks for note in check.notes()]
        allowlisted = "the allowlist's fingerprints" if self.scope.rules.allowlist.fingerprints else None
        notes = [self.key_warning, portable_key_note(allowlisted), *self.scope.domain_notes()]
        for note in [*notes, *(self.stage.notes() if self.stage else []), *check_notes]:
            if note and note not in out:
                out.append(note)
        return out

    def scan(self, messages: Iterable[ScanMessage], progress: ProgressHook | None = None) -> Report:
        started = time.perf_counter()
        started_at = datetime.now(UTC).isoformat(timespec="seconds")
        findings: list[Finding] = []
        count = 0
        # Distinct recipients, counted by 64-bit hash: a million addresses as strings would be ~120 MB.
        recipients: set[int] = set()
        if progress is not None and hasattr(progress, "set_total"):
            progress_events.phase("reading the list")
            progress.set_total(expected_messages(self.scope))
        for analyzed in self.analyzed(messages):
            message = analyzed.message
            count += 1
            if message.recipient is not None:
                recipients.add(hash(message.recipient.email.lower()))
            else:
                recipients.update(hash(a) for a in message.envelope_recipients)
            findings.extend(self.findings_for(analyzed))
            if progress is not None:
                progress(count)
        findings.extend(self.finish())
        if self.stage is not None:
            self.stats.update(self.stage.stats)
        return build_report(
            self.scope, findings, count, len(recipients), time.perf_counter() - started, self.notes(), started_at
        )


def build_report(
    scope: ScanScope,
    findings: list[Finding],
    messages: int,
    recipients: int,
    seconds: float,
    notes: list[str],
    started_at: str | None = None,
) -> Report:
    """Every finding of a scan -> the Report (policy, verdict, problems, notes, the sections of the scope's
    facts, the rules in effect); one place, so a cluster's merged findings make the same report."""
    rules = scope.rules
    kept = kept_findings(findings, rules)
    verdict, final = merged(kept)
    report = Report(
        verdict=verdict,
        findings=final,
        messages=messages,
        recipients=recipients,
        seconds=seconds,
        source=scope.source,
        notes=notes,
        sections=scope.sections(),
        hints={f.rule: rules.rules[f.rule].remediation for f in final if f.rule in rules.rules},
        rules=rules.describe(),
        rule_files=rules.file_hashes(),
        started_at=started_at or datetime.now(UTC).isoformat(timespec="seconds"),
    )
    report.problems = group(kept)
    return report


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
        parts.append(part if text == part.text else replace(part, text=text, provenance=_renormalised(part, text)))
    message.parts = parts
    return message


def _renormalised(part, text: str):
    """The part's provenance for its normalised (or cut) text; None when the spans cannot follow."""
    provenance = part.provenance
    if provenance is None:
        return None
    return provenance.transformed(normalise, text)


def expected_messages(scope: ScanScope) -> int | None:
    """How many messages a campaign scan will produce, for the progress bar's ETA (an estimate: a CSV
    field with a line break in it counts twice). None when unknown (archives, single messages)."""
    campaign = scope.campaign
    if campaign is not None and getattr(campaign.spec, "mode", None) == "broadcast":
        return 1
    recipient_list = scope.recipient_list
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
