"""The one scanning pipeline: messages -> checks -> findings -> policy -> Report.

Every entry point (preflight, audit, check, serve, the Python API) builds a `ScanContext` and a
message source and calls `run_scan`; nothing else decides what is checked or how the verdict is made.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.utils import getaddresses

from dlp.analysis import SegmentAnalyzer
from dlp.checks import build_checks
from dlp.checks.base import Check, ScanContext
from dlp.checks.personal_data import EntityCheck
from dlp.detect.engine import get_detector
from dlp.model import Finding, Report, ScanMessage
from dlp.policy import apply_policy
from dlp.rules import RuleSet

ProgressHook = Callable[[int], None]


@dataclass
class Scanner:
    """A configured set of checks over one context; `scan` may be called for many message streams."""

    ctx: ScanContext
    checks: list[Check]

    @classmethod
    def create(cls, ruleset: RuleSet, ctx: ScanContext | None = None, only: set[str] | None = None) -> Scanner:
        ctx = ctx or ScanContext(rules=ruleset)
        checks = build_checks(ruleset, ctx, only)
        entity_types: set[str] = set()
        for check in checks:
            if isinstance(check, EntityCheck):
                entity_types |= check.entities
        if entity_types and ctx.analyze is None:
            detector = get_detector(extra_recognizers=ruleset.recognizers)
            ctx.analyze = SegmentAnalyzer(detector, entity_types)
        return cls(ctx=ctx, checks=checks)

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
        recipients: set[str] = set()
        for message in messages:
            count += 1
            if message.recipient is not None:
                recipients.add(message.recipient.email.lower())
            else:
                recipients.update(a.lower() for _n, a in getaddresses(message.envelope_to) if a)
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
