"""Scanning single RFC 5322 messages again and again: the engine behind `dlp check`, `dlp serve` and
`dlp.scan_message`.

A pre-send hook scans one message at a time for as long as the process lives, so the expensive parts
(rules, the spaCy/Presidio detector and its paragraph cache) are built once, while the checks — which
may keep state until `finish` — are built fresh for every message so one message never leaks into the
next one's findings.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path

from dlp.checks.base import ScanContext
from dlp.model import Report
from dlp.pipeline import Scanner
from dlp.rules import RuleSet, load_ruleset
from dlp.sources.email_message import to_scan_message


def sender_domains(msg: EmailMessage, envelope_from: str | None = None) -> set[str]:
    """The sending organisation's domains: From, Sender and the envelope sender are not 'external'."""
    values = [str(v) for name in ("From", "Sender") for v in (msg.get_all(name, []) or [])]
    if envelope_from:
        values.append(envelope_from)
    return {address.rpartition("@")[2].lower() for _n, address in getaddresses(values) if "@" in address}


class MessageScanner:
    """Load rules and the detector once; scan many messages."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        # Building a scanner once loads the detector and creates the shared paragraph analyzer (if any
        # enabled rule needs entity detection); later scanners reuse that analyzer.
        self._analyze = Scanner.create(ruleset, ScanContext(rules=ruleset)).ctx.analyze

    @classmethod
    def from_rule_files(cls, rules: Sequence[str | Path] = ()) -> MessageScanner:
        return cls(load_ruleset([Path(r) for r in rules]))

    def scan(
        self,
        msg: EmailMessage,
        *,
        envelope_from: str | None = None,
        envelope_to: Sequence[str] = (),
        source: str = "",
    ) -> Report:
        ctx = ScanContext(
            rules=self.ruleset, source=source, sender_domains=sender_domains(msg, envelope_from), analyze=self._analyze
        )
        scan_message = to_scan_message(msg, source=source)
        if envelope_from is not None:
            scan_message.envelope_from = envelope_from
        scan_message.envelope_to = list(envelope_to)
        report = Scanner.create(self.ruleset, ctx).scan([scan_message])
        report.source = source
        return report
