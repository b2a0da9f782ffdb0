"""What a scanner process does with one message: parse, scan, and reduce the report to a ScanOutcome.

Only the small picklable `ScanOutcome` crosses back to the server, never the report with its raw
values; its `reason` is built from rule ids, entity types and where in the message they were found, so
the 550 reply cannot carry a raw value, an address or an attachment's file name.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dlp.model import Finding, Report, Severity
from dlp.sources.email_message import parse_bytes

REASON_LIMIT = 160
REASONS_SHOWN = 3
_HEADER_NAME = re.compile(r"[a-z][a-z0-9-]{0,40}")

SETTINGS_ENV = "DLP_SERVE_PRELOAD"  # rules and domains, as JSON, for the fork server's preload
_SCANNER = None  # this process's MessageScanner


@dataclass(frozen=True)
class ScanOutcome:
    verdict: str  # pass | warn | block
    rules: tuple[str, ...]  # every rule that fired
    block_rules: tuple[str, ...]
    counts: dict[str, int]
    reason: str  # for the 550 reply: kinds and places only, no text taken from the message
    seconds: float


def _where(field: str | None) -> str:
    field = (field or "").lower()
    if field.startswith("attachment"):
        return "an attachment"
    if field.startswith("body") or field.startswith("forwarded"):
        return "the body"
    if _HEADER_NAME.fullmatch(field):
        return f"the {field} header"
    return "the message"


def _reason(blocking: Sequence[Finding]) -> str:
    said: list[str] = []
    for finding in blocking:
        what = finding.entity_type or finding.rule
        text = f"{what} in {_where(finding.location.field)}"
        if text not in said:
            said.append(text)
    reason = ", ".join(said[:REASONS_SHOWN]) + (", …" if len(said) > REASONS_SHOWN else "")
    return reason if len(reason) <= REASON_LIMIT else reason[: REASON_LIMIT - 1].rstrip() + "…"


def outcome_of(report: Report, seconds: float) -> ScanOutcome:
    blocking = [f for f in report.findings if f.severity == Severity.BLOCK]
    return ScanOutcome(
        verdict=report.verdict.value,
        rules=tuple(report.rule_ids),
        block_rules=tuple(sorted({f.rule for f in blocking})),
        counts=report.counts(),
        reason=_reason(blocking),
        seconds=seconds,
    )


def init_worker(rules: Sequence[Path], internal_domains: Sequence[str]) -> None:
    """Build this process's scanner (reads rules, loads spaCy): once, before the first message."""
    global _SCANNER
    from dlp.api import MessageScanner

    _SCANNER = MessageScanner(list(rules), internal_domains)


def ready() -> bool:
    return _SCANNER is not None


def reset_worker() -> None:
    global _SCANNER
    _SCANNER = None


def scan_bytes(data: bytes, envelope_from: str, envelope_to: Sequence[str]) -> ScanOutcome:
    if _SCANNER is None:
        raise RuntimeError("scanner process was not initialised")
    started = time.perf_counter()
    report = _SCANNER.scan(parse_bytes(data), envelope_from=envelope_from, envelope_to=list(envelope_to))
    return outcome_of(report, time.perf_counter() - started)
