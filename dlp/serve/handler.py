"""The aiosmtpd handler: scan at end of DATA, then relay, refuse or defer.

Scanning is CPU-bound (spaCy), so it runs in a single worker thread (one detector, never shared between
threads); relaying is I/O-bound and runs in a small thread pool. The event loop only shuffles bytes, so
the server keeps accepting connections while a message is being scanned.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from typing import Any

from dlp.model import Report, Severity, Verdict
from dlp.serve.config import ServeConfig
from dlp.serve.log import log_event
from dlp.serve.relay import RelayOutcome, relay
from dlp.sources.email_message import parse_bytes

ScanFunction = Callable[[EmailMessage, str, Sequence[str]], Report]
RelayFunction = Callable[[ServeConfig, str, Sequence[str], bytes, Sequence[str]], RelayOutcome]

VERDICT_HEADER = "X-DLP-Verdict"


def reject_reply(report: Report) -> str:
    """`550 5.7.1` with the blocking rule ids and the first (already redacted) reason, ASCII only."""
    blocking = [f for f in report.findings if f.severity == Severity.BLOCK]
    rules = ", ".join(sorted({f.rule for f in blocking}))
    reason = blocking[0].message if blocking else "blocked by policy"
    text = f"550 5.7.1 dlp blocked this message [{rules}]: {reason}"
    text = text.encode("ascii", "replace").decode("ascii").replace("\r", " ").replace("\n", " ")
    return text[:400]


def verdict_header(report: Report | None) -> bytes:
    if report is None:
        return f"{VERDICT_HEADER}: unscanned (scan failed; relayed by --fail-open)\r\n".encode()
    rules = sorted({f.rule for f in report.findings})
    value = report.verdict.value + (f"; rules={','.join(rules)}" if rules else "")
    return f"{VERDICT_HEADER}: {value}\r\n".encode()


class DlpHandler:
    def __init__(
        self,
        config: ServeConfig,
        scan: ScanFunction,
        relay_function: RelayFunction = relay,
        relay_threads: int = 8,
    ) -> None:
        self.config = config
        self.scan = scan
        self.relay = relay_function
        self.scan_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dlp-scan")
        self.relay_pool = ThreadPoolExecutor(max_workers=relay_threads, thread_name_prefix="dlp-relay")

    def close(self) -> None:
        self.scan_pool.shutdown(wait=True, cancel_futures=False)
        self.relay_pool.shutdown(wait=True, cancel_futures=False)

    def _scan(self, data: bytes, mail_from: str, rcpt_tos: Sequence[str]) -> Report:
        return self.scan(parse_bytes(data), mail_from, rcpt_tos)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        started = time.perf_counter()
        loop = asyncio.get_running_loop()
        data: bytes = envelope.original_content or envelope.content or b""
        mail_from = envelope.mail_from or ""
        rcpt_tos = list(envelope.rcpt_tos)
        fields: dict[str, Any] = {"size": len(data), "rcpt_count": len(rcpt_tos)}
        report: Report | None
        try:
            report = await loop.run_in_executor(self.scan_pool, self._scan, data, mail_from, rcpt_tos)
        except Exception as exc:  # any scan failure: never pass an unscanned message silently
            scan_ms = round((time.perf_counter() - started) * 1000)
            if not self.config.fail_open:
                log_event("message", action="deferred", reason="scan-failed", error=type(exc).__name__,
                          scan_ms=scan_ms, smtp_code=451, **fields)
                return "451 4.3.0 dlp could not scan this message; try again later"
            log_event("SCAN-FAILED-RELAYING-UNSCANNED", action="fail-open", error=type(exc).__name__,
                      scan_ms=scan_ms, **fields)
            report = None
        scan_ms = round((time.perf_counter() - started) * 1000)
        if report is not None:
            fields.update(verdict=report.verdict.value, rules=report.rule_ids, findings=report.counts())
        if report is not None and report.verdict == Verdict.BLOCK:
            reply = reject_reply(report)
            log_event("message", action="rejected", smtp_code=550, scan_ms=scan_ms, **fields)
            return reply
        relay_started = time.perf_counter()
        outcome = await loop.run_in_executor(
            self.relay_pool,
            self.relay,
            self.config,
            mail_from,
            rcpt_tos,
            verdict_header(report) + data,
            list(getattr(envelope, "mail_options", []) or []),
        )
        relay_ms = round((time.perf_counter() - relay_started) * 1000)
        action = "relayed" if outcome.delivered else "deferred" if outcome.code < 500 else "refused-upstream"
        if outcome.refused:
            fields["upstream_refused_rcpts"] = len(outcome.refused)
        log_event("message", action=action, smtp_code=outcome.code, scan_ms=scan_ms, relay_ms=relay_ms, **fields)
        return outcome.reply
